// Entry of the Electron host (built to out/main/electron.js): the only code that imports 'electron'.
// It loads the renderer from custos://app/, answers the contract's channels over IPC after checking
// who asks, forwards core events, and denies everything a console does not need: navigation, new
// windows, webviews, permissions and the network.
import { app, BrowserWindow, ipcMain, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNEL_NAMES } from '../../src-shared/contract.js';
import type { Result } from '../../src-shared/errors.js';
import { createCore } from '../app/core.js';
import { describeUnexpected, dispatch } from '../ipc/dispatch.js';
import { readAppVersion } from '../platform/app-version.js';
import { resolveVaultDir } from '../platform/paths.js';
import { contentTypeFor } from '../platform/static-files.js';
import { APP_ENTRY_URL, APP_SCHEME, isAllowedRequestUrl, resolveAppRequest } from './app-protocol.js';
import { vaultArg } from './args.js';
import { appResponseHeaders } from './csp.js';
import { isTrustedSender } from './sender.js';
import { electronPdfRenderer } from './print-pdf.js';
import { PICK_PATHS_CHANNEL, pickPaths } from './pick-paths.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '..', 'renderer'); // out/main → out/renderer
const preloadPath = join(here, '..', 'preload', 'index.cjs');

// Both must happen before 'ready'.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
]);
app.enableSandbox();

const FORBIDDEN: Result<never> = {
  ok: false,
  error: { code: 'E_FORBIDDEN_SENDER', message: 'This call did not come from the Custos console window and was refused.' },
};

function logUnexpected(channel: string, error: unknown): void {
  console.error(describeUnexpected(channel, error));
}

async function serveApp(request: Request): Promise<Response> {
  const file = request.method === 'GET' ? await resolveAppRequest(request.url, rendererDir) : null;
  if (file === null) return new Response('Not found.', { status: 404, headers: appResponseHeaders('text/plain; charset=utf-8') });
  const body = await readFile(file);
  return new Response(new Uint8Array(body), { status: 200, headers: appResponseHeaders(contentTypeFor(file)) });
}

function run(): void {
  const core = createCore({ vaultDir: resolveVaultDir(vaultArg(process.argv)), host: 'electron', version: readAppVersion(here), pdf: electronPdfRenderer() });
  let mainWindow: BrowserWindow | null = null;

  // Every webContents, including any the renderer might manage to create: no navigation away from
  // the app, no new windows, no webviews.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  // One generic handler per contract channel; the sender is checked before dispatch parses anything.
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, input: unknown) => {
      const frame = event.senderFrame;
      const trusted = isTrustedSender({
        senderId: event.sender.id,
        mainWindowId: mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents.id : null,
        frameUrl: frame ? frame.url : null,
        isTopFrame: frame !== null && frame.parent === null,
      });
      if (!trusted) return FORBIDDEN;
      // The one channel the host answers itself: its native file dialog (the core has no window).
      if (channel === PICK_PATHS_CHANNEL && mainWindow && !mainWindow.isDestroyed()) return pickPaths(mainWindow, input);
      return dispatch(core.handlers, channel, input, logUnexpected);
    });
  }

  const unsubscribe = core.subscribe((event, payload) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(event, payload);
  });

  function createWindow(): void {
    const win = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 900,
      minHeight: 600,
      title: 'Custos',
      show: false,
      webPreferences: {
        preload: preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
      },
    });
    mainWindow = win;
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    void win.loadURL(APP_ENTRY_URL);
  }

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => app.quit());

  // Lock the vault (zeroing its keys) before the process goes.
  let coreClosed = false;
  app.on('will-quit', (e) => {
    if (coreClosed) return;
    e.preventDefault();
    unsubscribe();
    core
      .close()
      .catch((err: unknown) => logUnexpected('shutdown', err))
      .finally(() => {
        coreClosed = true;
        app.quit();
      });
  });

  void app.whenReady().then(() => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    ses.setPermissionCheckHandler(() => false);
    ses.setDevicePermissionHandler(() => false);
    ses.on('will-download', (e) => e.preventDefault());
    // No network: only the app's own scheme (and data:/blob:/devtools:) may load.
    ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequestUrl(details.url) }));
    protocol.handle(APP_SCHEME, serveApp);
    createWindow();
  });
}

if (app.requestSingleInstanceLock()) run();
else app.quit();

// Entry of the browser host (built to out/main/web.js): the Custos console served to a browser on
// 127.0.0.1, for machines without the Electron runtime and for end-to-end tests.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../app/core.js';
import { readAppVersion } from '../platform/app-version.js';
import { resolveVaultDir } from '../platform/paths.js';
import { ArgsError, parseWebArgs, WEB_USAGE, type WebArgs } from './args.js';
import { openInChromium } from './open-browser.js';
import { startWebHost } from './server.js';

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  let args: WebArgs;
  try {
    args = parseWebArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    console.error(`custos: ${e.message}\n\n${WEB_USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(WEB_USAGE);
    return 0;
  }

  const vaultDir = resolveVaultDir(args.vault);
  const core = createCore({ vaultDir, host: 'browser', version: readAppVersion(here) });
  // out/main/web.js → out/renderer
  const rendererDir = join(here, '..', 'renderer');

  let host;
  try {
    host = await startWebHost({ core, rendererDir, port: args.port });
  } catch (e) {
    await core.close();
    const code = (e as NodeJS.ErrnoException).code;
    console.error(code === 'EADDRINUSE' ? `custos: port ${args.port} on 127.0.0.1 is already in use; pick another with --port, or 0 for any free port.` : `custos: the browser host could not start: ${String(e)}`);
    return 1;
  }

  let stopping: Promise<void> | null = null;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      console.error(`custos: ${why}; locking the vault and stopping.`);
      await host.close().catch(() => {});
      await core.close().catch(() => {});
    })();
    return stopping;
  };

  await new Promise<void>((resolveDone) => {
    // `on`, not `once`: a second Ctrl+C (or the launcher forwarding one) must not skip the cleanup.
    const onSignal = (signal: NodeJS.Signals) => void stop(`${signal} received`).then(resolveDone);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);

    // Scripts and tests read this exact line.
    console.log(`Custos console (browser mode): ${host.url}`);
    console.error(`custos: vault ${vaultDir}; serving on ${host.origin} (127.0.0.1 only). Press Ctrl+C to stop.`);

    if (args.open) {
      const browser = openInChromium(host.url);
      if (browser === null) {
        console.error('custos: Chromium (/usr/bin/chromium) is not installed; open the address above in a browser.');
      } else {
        void browser.exited.then((code) => {
          if (code === 0) void stop('the console window was closed').then(resolveDone);
          else console.error(`custos: Chromium exited (code ${code}); the console is still served at the address above.`);
        });
      }
    }
  });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; if a stray handle still holds the loop, do not hang.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    console.error('custos: the browser host failed:', e);
    process.exitCode = 1;
  },
);

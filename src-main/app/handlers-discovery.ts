import type { discoveryChannels, ImportResultView } from '../../src-shared/contract-discovery.js';
import { IMPORT_OUTCOMES } from '../../src-shared/contract-discovery.js';
import { certificateDetail, certificatesForKey } from '../import/certificate-store.js';
import { importContents, importPaths, type FileOutcome, type ImportOptions, type WithVault } from '../import/importer.js';
import { CustosError } from '../errors.js';
import { requirePermission } from '../users/permissions.js';
import type { CoreContext, HandlersFor } from './core-context.js';

const MAX_LISTED = 20_000;

function result(files: FileOutcome[]): ImportResultView {
  const counts = Object.fromEntries(IMPORT_OUTCOMES.map((o) => [o, 0])) as ImportResultView['counts'];
  for (const f of files) counts[f.outcome] = (counts[f.outcome] ?? 0) + 1;
  return { files: files.slice(0, MAX_LISTED), counts, truncated: Math.max(0, files.length - MAX_LISTED) };
}

/**
 * Handlers for the channels of contract-discovery.ts. An import walks and parses outside the
 * serial queue and records each file's contents inside it, so other calls keep being answered
 * during a big folder; progress goes out as 'job.progress' (at most one event per percent).
 */
export function discoveryHandlers(ctx: CoreContext): HandlersFor<typeof discoveryChannels> {
  const withVault: WithVault = (fn) => ctx.run(fn);
  const progress = (jobId: string | undefined, label: string): ImportOptions['onProgress'] => {
    const id = jobId ?? `import-${Date.now()}`;
    let last = -1;
    return (done, total) => {
      const pct = Math.floor((done / Math.max(total, 1)) * 100);
      if (pct === last) return;
      last = pct;
      ctx.emit('job.progress', { jobId: id, label: `${label} ${done}/${total}`, fraction: Math.min(1, done / Math.max(total, 1)) });
    };
  };
  return {
    'import.paths': async (input) =>
      result(await importPaths(withVault, input.paths, { importPrivate: input.importPrivate, passphrases: input.passphrases, onProgress: progress(input.jobId, 'Importing files') })),
    'import.upload': async (input) =>
      result(
        await importContents(
          withVault,
          input.files.map((f) => ({ name: f.name, bytes: Buffer.from(f.content, 'base64'), passphrase: f.passphrase })),
          { importPrivate: input.importPrivate, wipeInput: true, onProgress: progress(input.jobId, 'Importing uploaded files') },
        ),
      ),
    // Only the Electron host has a dialog: it answers this channel itself (../electron/pick-paths.ts).
    'import.pickPaths': async () => {
      throw new CustosError('E_UNSUPPORTED', 'This console has no file dialog here (browser mode or CLI): type the path of the file or folder, or upload the files.');
    },
    'certificates.forKey': (input) =>
      ctx.run((v) => {
        requirePermission(v.user.role, 'keys.read');
        return { items: certificatesForKey(v.db, input.keyId) };
      }),
    'certificates.get': (input) =>
      ctx.run((v) => {
        requirePermission(v.user.role, 'keys.read');
        return certificateDetail(v.db, input.id);
      }),
  };
}

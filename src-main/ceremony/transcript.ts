import { type KeyObject } from 'node:crypto';
import { genesisHash, verifyChain, type ChainCheck, type ChainedEvent } from '../audit/chain.js';
import { writeBundle, type Manifest } from '../audit/bundle.js';
import { type Checkpoint } from '../audit/log.js';
import { checkpointStatement, publicPem, signBytes } from '../audit/signing.js';
import { CustosError } from '../errors.js';
import { type CeremonyState, type TranscriptEntry } from './engine.js';

/**
 * A ceremony transcript is an audit chain of its own: the same bodies and hashes as the audit log,
 * chained from genesisHash(ceremonyId). So it is exported as an audit bundle (bundle.ts) with the
 * ceremony id where the vault id goes, signed (manifest and a checkpoint at the head) by the
 * signing key the caller passes — the vault's audit signing key — and `custos audit verify`
 * checks it like any audit export. Transcript entries carry no MAC: the chain is anchored by the
 * signed head instead (the MAC field of the bundle lines is dropped anyway).
 */

function asChained(entries: readonly TranscriptEntry[]): ChainedEvent[] {
  return entries.map((e) => ({ ...e, mac: '' }));
}

/** Re-walks the chain of a transcript in memory (no signature involved). */
export function verifyTranscript(state: Pick<CeremonyState, 'ceremonyId' | 'transcript'>): ChainCheck {
  return verifyChain(asChained(state.transcript), genesisHash(state.ceremonyId), null);
}

/** The checkpoint that signs the head of the transcript at export time. */
export function transcriptCheckpoint(state: Pick<CeremonyState, 'ceremonyId' | 'transcript'>, signingKey: KeyObject, time: string): Checkpoint {
  const head = state.transcript[state.transcript.length - 1];
  if (!head) throw new CustosError('E_CONFLICT', 'The ceremony has no transcript yet.');
  const body = { vaultId: state.ceremonyId, seq: head.seq, hash: head.hash, time };
  return { ...body, signature: signBytes(signingKey, checkpointStatement(body)).toString('base64') };
}

/**
 * Writes the transcript as an audit bundle (a tar) at `path`. The ceremony may be running,
 * complete or aborted; the last entry says which. Refuses a transcript whose chain is broken.
 */
export async function writeTranscriptBundle(path: string, state: CeremonyState, opts: { signingKey: KeyObject; exportedAt: Date }): Promise<Manifest> {
  const check = verifyTranscript(state);
  if (!check.ok) throw new CustosError('E_CONFLICT', `The transcript of ceremony ${state.ceremonyId} does not verify (${check.problem}); it was not exported.`);
  const exportedAt = opts.exportedAt.toISOString();
  return writeBundle(path, {
    vaultId: state.ceremonyId,
    exportedAt,
    events: asChained(state.transcript),
    checkpoints: [transcriptCheckpoint(state, opts.signingKey, exportedAt)],
    publicKeyPem: publicPem(opts.signingKey),
    signingKey: opts.signingKey,
  });
}

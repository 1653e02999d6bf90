// Import of a CycloneDX 1.6 CBOM: public metadata only. A public-key component whose value is a
// DER SubjectPublicKeyInfo (base64) becomes an inventory key through the inventory writer; a
// certificate component carrying its DER (custos:certificate-der-base64) becomes a certificate
// with a 'cbom' sighting, linked to its key. Everything else (algorithms, protocols, secret or
// private keys, certificates described without their DER) is reported as skipped, with why: a
// CBOM describes material, it does not carry it, and private material never enters this way.
import { CustosError } from '../errors.js';
import { recordCertificate, recordPublicKey } from '../import/inventory-writer.js';
import type { UnlockedVault } from '../vault/vault.js';
import { bomSchema, componentSchema, PROP, type CbomComponent } from './model.js';

export const MAX_CBOM_BYTES = 256 * 1024 * 1024;

export interface CbomComponentOutcome {
  ref: string;
  name: string;
  outcome: 'imported' | 'duplicate' | 'skipped' | 'unsupported' | 'malformed';
  reason: string | null;
  keyId: string | null;
  certificateId: string | null;
}

/** Parses and validates the file's structure: E_INPUT naming the first problem when it is not a CycloneDX 1.6 BOM. */
export function parseCbom(text: string): { components: unknown[]; specVersion: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the start of the text, and the file picked may be anything (a key, a
    // secret): name only the position.
    const at = e instanceof SyntaxError ? /position (\d+)/.exec(e.message)?.[1] : undefined;
    throw new CustosError('E_INPUT', `The file is not JSON (${at === undefined ? 'parse error' : `parse error at position ${at}`}).`);
  }
  const bom = bomSchema.safeParse(json);
  if (!bom.success) {
    const issue = bom.error.issues[0]!;
    throw new CustosError('E_INPUT', `The file is not a CycloneDX 1.6 BOM: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return { components: bom.data.components, specVersion: bom.data.specVersion };
}

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
const propOf = (c: CbomComponent, name: string) => c.properties?.find((p) => p.name === name)?.value;

function importComponent(v: UnlockedVault, raw: unknown, index: number, source: string): CbomComponentOutcome {
  const parsed = componentSchema.safeParse(raw);
  const fallbackRef = `component ${index + 1}`;
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ref: fallbackRef, name: '', outcome: 'malformed', reason: `${issue.path.join('.') || 'component'}: ${issue.message}`, keyId: null, certificateId: null };
  }
  const c = parsed.data;
  const base = { ref: c['bom-ref'] ?? fallbackRef, name: c.name, keyId: null, certificateId: null };
  if (c.type !== 'cryptographic-asset' || !c.cryptoProperties) return { ...base, outcome: 'skipped', reason: 'not a cryptographic asset' };
  const cp = c.cryptoProperties;
  try {
    if (cp.assetType === 'related-crypto-material') {
      const m = cp.relatedCryptoMaterialProperties;
      if (m?.type !== 'public-key') return { ...base, outcome: 'skipped', reason: `${m?.type ?? 'untyped'} material is described, not carried: nothing to import` };
      if (!m.value || !base64.test(m.value)) return { ...base, outcome: 'skipped', reason: 'the public key has no base64 DER value' };
      const r = recordPublicKey(v, { spki: Buffer.from(m.value, 'base64'), name: c.name, origin: 'imported', source });
      return { ...base, outcome: r.created ? 'imported' : 'duplicate', reason: null, keyId: r.keyId };
    }
    if (cp.assetType === 'certificate') {
      const der = propOf(c, PROP.certificateDer);
      if (!der || !base64.test(der)) return { ...base, outcome: 'skipped', reason: 'the certificate is described without its DER' };
      const r = recordCertificate(v, Buffer.from(der, 'base64'), { kind: 'cbom', location: source }, { createKey: { origin: 'imported' } });
      return { ...base, outcome: r.created ? 'imported' : 'duplicate', reason: r.keyUnsupported, keyId: r.keyId, certificateId: r.certificateId };
    }
    return { ...base, outcome: 'skipped', reason: `${cp.assetType} components are not inventory items` };
  } catch (e) {
    if (!(e instanceof CustosError)) throw e;
    return { ...base, outcome: e.code === 'E_UNSUPPORTED' ? 'unsupported' : 'malformed', reason: e.message };
  }
}

/** Imports every component it can; one bad component never stops the rest. */
export function importCbom(v: UnlockedVault, text: string, source: string): { specVersion: string; components: CbomComponentOutcome[] } {
  const { components, specVersion } = parseCbom(text);
  return { specVersion, components: components.map((raw, i) => importComponent(v, raw, i, source)) };
}

/** importCbom of a named file, audited (`cbom.import`). Callers check permissions. */
export function importCbomFile(v: UnlockedVault, text: string, fileName: string): ReturnType<typeof importCbom> {
  const r = importCbom(v, text, `cbom:${fileName}`);
  v.record({ actor: v.user.name, operation: 'cbom.import', outcome: 'success', details: { file: fileName, components: r.components.length, imported: r.components.filter((c) => c.outcome === 'imported').length } });
  return r;
}

export interface CbomImportJobOptions {
  /** Components per turn of the serial queue (one transaction each); default 256. */
  chunkSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * importCbomFile for a large CBOM: the document is parsed and validated outside the serial queue,
 * then imported a slice at a time, each slice one `run` (one turn of the queue, one transaction:
 * one fsync for the slice, every key still audited), so other calls are answered between slices.
 * A cancel (AbortSignal) stops between slices: the slices already imported stay (each was
 * committed with its audit events) and `cbom.import` is recorded as failed with how far it got;
 * the AbortError is rethrown. On success one `cbom.import` event as importCbomFile writes.
 */
export async function importCbomInChunks(
  run: <T>(fn: (v: UnlockedVault) => T) => Promise<T>,
  text: string,
  fileName: string,
  options: CbomImportJobOptions = {},
): Promise<ReturnType<typeof importCbom>> {
  const { components, specVersion } = parseCbom(text);
  const source = `cbom:${fileName}`;
  const size = Math.max(1, options.chunkSize ?? 256);
  const out: CbomComponentOutcome[] = [];
  const imported = () => out.filter((c) => c.outcome === 'imported').length;
  try {
    for (let i = 0; i < components.length; i += size) {
      options.signal?.throwIfAborted();
      const slice = components.slice(i, i + size);
      out.push(...(await run((v) => v.db.transaction(() => slice.map((raw, j) => importComponent(v, raw, i + j, source)))())));
      options.onProgress?.(out.length, components.length);
      await tick();
    }
    options.signal?.throwIfAborted();
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') {
      await run((v) => v.record({ actor: v.user.name, operation: 'cbom.import', outcome: 'failed', details: { file: fileName, components: components.length, processed: out.length, imported: imported(), reason: 'cancelled' } }));
    }
    throw e;
  }
  await run((v) => v.record({ actor: v.user.name, operation: 'cbom.import', outcome: 'success', details: { file: fileName, components: out.length, imported: imported() } }));
  return { specVersion, components: out };
}

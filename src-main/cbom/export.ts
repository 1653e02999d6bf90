// Export of the inventory as a CycloneDX 1.6 CBOM: one algorithm component per algorithm in use,
// one related-crypto-material component per key (public metadata only), one certificate
// component per certificate. No private or secret material is ever written: asymmetric keys are
// described by their public key (value = base64 DER SubjectPublicKeyInfo, which is public),
// symmetric keys by algorithm, size, state and KCV.
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ALGORITHMS, INVENTORY_ONLY_ALGORITHMS, type AlgorithmInfo, type InventoryOnlyAlgorithmInfo } from '../../src-shared/keys.js';
import type { KeyState } from '../../src-shared/keys.js';
import { securityStrength } from '../policy/key-facts.js';
import type { Db } from '../vault/database.js';
import type { UnlockedVault } from '../vault/vault.js';
import { PROP, type MATERIAL_STATES } from './model.js';

/** SP 800-57 state → CycloneDX relatedCryptoMaterialProperties.state (Destroyed Compromised is destroyed; custos:state keeps the exact one). */
export const STATE_TO_CBOM: Readonly<Record<KeyState, (typeof MATERIAL_STATES)[number]>> = {
  'pre-active': 'pre-activation',
  active: 'active',
  suspended: 'suspended',
  deactivated: 'deactivated',
  compromised: 'compromised',
  destroyed: 'destroyed',
  'destroyed-compromised': 'destroyed',
};

interface AlgorithmDescription {
  ref: string;
  name: string;
  primitive: string;
  parameterSetIdentifier?: string;
  curve?: string;
  oid?: string;
  cryptoFunctions: string[];
  classicalSecurityLevel?: number;
}

function describeAlgorithm(id: string): AlgorithmDescription {
  const info =
    (ALGORITHMS as Record<string, AlgorithmInfo | undefined>)[id] ?? (INVENTORY_ONLY_ALGORITHMS as Record<string, InventoryOnlyAlgorithmInfo | undefined>)[id];
  const ref = `crypto/algorithm/${id}`;
  if (!info) return { ref, name: id, primitive: 'unknown', cryptoFunctions: ['unknown'] };
  // SP 800-57 Part 1 strength, as the policy engine rates it; none where the size is each key's own (rsa-other, ec-other, dsa).
  const base = { ref, name: info.label, classicalSecurityLevel: info.size ? securityStrength(info.family, info.size, info.curve) || undefined : undefined };
  switch (info.family) {
    case 'rsa':
      // rsa-other has no one size: each key component carries its own.
      return { ...base, primitive: 'signature', ...(info.size ? { parameterSetIdentifier: String(info.size) } : {}), oid: '1.2.840.113549.1.1.1', cryptoFunctions: ['keygen', 'sign', 'verify', 'encrypt', 'decrypt'] };
    case 'ec':
      return { ...base, primitive: 'signature', ...(info.curve ? { curve: { 'P-256': 'secp256r1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[info.curve] ?? info.curve } : {}), oid: '1.2.840.10045.2.1', cryptoFunctions: ['keygen', 'sign', 'verify'] };
    case 'eddsa':
      return info.curve === 'Ed448'
        ? { ...base, primitive: 'signature', curve: 'Ed448', oid: '1.3.101.113', cryptoFunctions: ['sign', 'verify'] }
        : { ...base, primitive: 'signature', curve: 'Ed25519', oid: '1.3.101.112', cryptoFunctions: ['keygen', 'sign', 'verify'] };
    case 'dsa':
      return { ...base, primitive: 'signature', oid: '1.2.840.10040.4.1', cryptoFunctions: ['sign', 'verify'] };
    case 'xdh':
      return { ...base, primitive: 'key-agree', curve: info.curve!, oid: info.curve === 'X448' ? '1.3.101.111' : '1.3.101.110', cryptoFunctions: ['keygen', 'keyderive'] };
    case 'aes':
      return { ...base, primitive: 'block-cipher', parameterSetIdentifier: String(info.size), cryptoFunctions: ['keygen', 'encrypt', 'decrypt'] };
    case 'hmac':
      return { ...base, primitive: 'mac', oid: '1.2.840.113549.2.9', cryptoFunctions: ['keygen', 'tag'] };
  }
}

const SIGNATURE_PRIMITIVE = (name: string) => ({ ref: `crypto/algorithm/signature/${name}`, name, primitive: 'signature', cryptoFunctions: ['sign', 'verify'] }) satisfies AlgorithmDescription;

interface KeyRow {
  id: string;
  name: string;
  algorithm: string;
  size: number;
  store: string;
  state: KeyState;
  purpose: string | null;
  fingerprint: string | null;
  kcv: string | null;
  spki: Buffer | null;
  createdAt: string;
  activationAt: string | null;
  processStopAt: string | null;
}

interface CertRow {
  id: string;
  fingerprint: string;
  der: Buffer;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  signatureAlgorithm: string;
  spkiFingerprint: string;
  profile: string;
  trust: string | null;
}

const prop = (name: string, value: string | null | undefined) => (value === null || value === undefined ? [] : [{ name, value }]);

/** The whole inventory as a CycloneDX 1.6 BOM object (serialise with JSON.stringify). */
export function exportCbom(db: Db, options: { now: Date; toolVersion: string }): Record<string, unknown> {
  const keys = db
    .prepare(
      `SELECT k.id, k.name, k.algorithm, k.size, k.store, k.state, k.purpose, k.fingerprint, k.kcv, v.public_spki AS spki,
              v.generated_at AS createdAt, v.activation_at AS activationAt, v.process_stop_at AS processStopAt
       FROM keys k JOIN key_versions v ON v.key_id = k.id AND v.version = k.current_version ORDER BY k.created_at, k.id`,
    )
    .all() as KeyRow[];
  const certs = db.prepare('SELECT id, fingerprint, der, subject, issuer, not_before AS notBefore, not_after AS notAfter, signature_algorithm AS signatureAlgorithm, spki_fingerprint AS spkiFingerprint, profile, trust FROM certificates ORDER BY first_seen_at, id').all() as CertRow[];

  const algorithms = new Map<string, AlgorithmDescription>();
  const keyRefByFingerprint = new Map<string, string>();
  const keyComponents = keys.map((k) => {
    const alg = describeAlgorithm(k.algorithm);
    algorithms.set(alg.ref, alg);
    const ref = `crypto/key/${k.id}`;
    if (k.fingerprint) keyRefByFingerprint.set(k.fingerprint, ref);
    const asymmetric = k.spki !== null;
    return {
      type: 'cryptographic-asset',
      'bom-ref': ref,
      name: k.name,
      ...(k.spki ? { hashes: [{ alg: 'SHA-256', content: createHash('sha256').update(k.spki).digest('hex') }] } : {}),
      cryptoProperties: {
        assetType: 'related-crypto-material',
        relatedCryptoMaterialProperties: {
          type: asymmetric ? 'public-key' : 'secret-key',
          id: k.id,
          state: STATE_TO_CBOM[k.state],
          algorithmRef: alg.ref,
          creationDate: k.createdAt,
          ...(k.activationAt ? { activationDate: k.activationAt } : {}),
          ...(k.processStopAt ? { expirationDate: k.processStopAt } : {}),
          size: k.size,
          ...(k.spki ? { format: 'DER', value: k.spki.toString('base64') } : {}),
          securedBy: { mechanism: k.store === 'token' ? 'HSM' : k.store === 'vault' ? 'Software (encrypted vault)' : 'None (public key only)' },
        },
      },
      properties: [
        ...prop(PROP.keyId, k.id),
        ...prop(PROP.state, k.state),
        ...prop(PROP.store, k.store),
        ...prop(PROP.purpose, k.purpose),
        ...prop(PROP.spkiFingerprint, k.fingerprint),
        ...prop(PROP.kcv, k.kcv),
      ],
    };
  });
  const certComponents = certs.map((c) => {
    const sig = SIGNATURE_PRIMITIVE(c.signatureAlgorithm);
    algorithms.set(sig.ref, sig);
    const keyRef = keyRefByFingerprint.get(c.spkiFingerprint);
    return {
      type: 'cryptographic-asset',
      'bom-ref': `crypto/certificate/${c.fingerprint}`,
      name: c.subject || c.fingerprint,
      hashes: [{ alg: 'SHA-256', content: c.fingerprint }],
      cryptoProperties: {
        assetType: 'certificate',
        certificateProperties: {
          subjectName: c.subject,
          issuerName: c.issuer,
          notValidBefore: c.notBefore,
          notValidAfter: c.notAfter,
          signatureAlgorithmRef: sig.ref,
          ...(keyRef ? { subjectPublicKeyRef: keyRef } : {}),
          certificateFormat: 'X.509',
          certificateExtension: 'der',
        },
      },
      properties: [...prop(PROP.spkiFingerprint, c.spkiFingerprint), ...prop(PROP.profile, c.profile), ...prop(PROP.trust, c.trust), ...prop(PROP.certificateDer, c.der.toString('base64'))],
    };
  });
  const algorithmComponents = [...algorithms.values()].map((a) => ({
    type: 'cryptographic-asset',
    'bom-ref': a.ref,
    name: a.name,
    cryptoProperties: {
      assetType: 'algorithm',
      ...(a.oid ? { oid: a.oid } : {}),
      algorithmProperties: {
        primitive: a.primitive,
        ...(a.parameterSetIdentifier ? { parameterSetIdentifier: a.parameterSetIdentifier } : {}),
        ...(a.curve ? { curve: a.curve } : {}),
        cryptoFunctions: a.cryptoFunctions,
        ...(a.classicalSecurityLevel ? { classicalSecurityLevel: a.classicalSecurityLevel, nistQuantumSecurityLevel: 0 } : {}),
      },
    },
  }));
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: { timestamp: options.now.toISOString(), tools: { components: [{ type: 'application', name: 'Custos', version: options.toolVersion }] } },
    components: [...algorithmComponents, ...keyComponents, ...certComponents],
  };
}

/** Writes the CBOM to `path` (owner-only) and audits it (`cbom.export`). Callers check permissions. */
export function writeCbom(v: UnlockedVault, path: string, options: { now: Date; toolVersion: string }): { path: string; components: number; bytes: number } {
  const bom = exportCbom(v.db, options);
  const text = `${JSON.stringify(bom, null, 2)}\n`;
  writeFileSync(path, text, { mode: 0o600 });
  const components = (bom.components as unknown[]).length;
  v.record({ actor: v.user.name, operation: 'cbom.export', outcome: 'success', details: { path, components } });
  return { path, components, bytes: Buffer.byteLength(text) };
}

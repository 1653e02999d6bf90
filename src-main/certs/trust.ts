// Trust model of a certificate chain: 'public' when it ends in one of the Mozilla root
// certificates Node ships (tls.rootCertificates, the NSS store compiled into Node: offline, no
// network, no operating-system store), 'private' otherwise.
//
// The chain is followed by signature, not by name: each step needs the issuer's name to match
// (X509Certificate.checkIssued: issuer/subject and key identifiers) *and* the issuer's public key
// to verify the certificate's signature. A certificate that only copies a public root's name is
// therefore private. Validity dates, revocation and name constraints are not judged here: this is
// a classification of where a chain is anchored, not a path validation for a connection.
import { createHash, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

export type TrustModel = 'public' | 'private';

let roots: { certs: X509Certificate[]; fingerprints: Set<string> } | null = null;

const sha256 = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/** Node's bundled Mozilla roots, parsed once per process. */
export function mozillaRoots(): { certs: X509Certificate[]; fingerprints: Set<string> } {
  if (!roots) {
    const certs = rootCertificates.map((pem) => new X509Certificate(pem));
    roots = { certs, fingerprints: new Set(certs.map((c) => sha256(c.raw))) };
  }
  return roots;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    // A key type Node cannot verify with (or a malformed key) is not a proven link.
    return false;
  }
}

/** Parses DER certificates, skipping any that do not parse (they cannot anchor anything). */
function parseAll(ders: readonly Uint8Array[]): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const d of ders) {
    try {
      out.push(new X509Certificate(Buffer.from(d)));
    } catch {
      // ignored: see above
    }
  }
  return out;
}

/** Certificates indexed by subject, so a chain step looks only at candidates with the right name. */
function bySubject(certs: readonly X509Certificate[]): Map<string, X509Certificate[]> {
  const m = new Map<string, X509Certificate[]>();
  for (const c of certs) {
    const list = m.get(c.subject) ?? [];
    list.push(c);
    m.set(c.subject, list);
  }
  return m;
}

let rootIndex: Map<string, X509Certificate[]> | null = null;

/**
 * A trust evaluator over a pool of known certificates (the rest of a presented chain, or every
 * certificate of the inventory), parsed and indexed once: evaluating N certificates against a
 * pool of N costs N parses, not N².
 */
export function createTrustEvaluator(pool: readonly Uint8Array[] = []): (leaf: Uint8Array) => TrustModel {
  const { certs: rootCerts, fingerprints } = mozillaRoots();
  rootIndex ??= bySubject(rootCerts);
  const roots = rootIndex;
  const candidates = bySubject(parseAll(pool));
  return (leaf) => {
    let current: X509Certificate;
    try {
      current = new X509Certificate(Buffer.from(leaf));
    } catch {
      return 'private';
    }
    const seen = new Set<string>();
    for (let depth = 0; depth < 10; depth++) {
      const fp = sha256(current.raw);
      if (fingerprints.has(fp)) return 'public';
      if (seen.has(fp)) return 'private';
      seen.add(fp);
      if ((roots.get(current.issuer) ?? []).some((r) => issuedBy(current, r))) return 'public';
      const next = (candidates.get(current.issuer) ?? []).find((c) => !seen.has(sha256(c.raw)) && issuedBy(current, c));
      if (!next) return 'private';
      current = next;
    }
    return 'private';
  };
}

/**
 * The trust model of `leaf`, following issuers found in `pool` (the rest of the presented chain,
 * and any other certificates known) and then the Mozilla roots. At most 10 steps; a loop ends it.
 */
export function trustModel(leaf: Uint8Array, pool: readonly Uint8Array[] = []): TrustModel {
  return createTrustEvaluator(pool)(leaf);
}

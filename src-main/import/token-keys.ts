// Token discovery, completed with the keys Custos holds but never uses.
//
// KeyService.discover (src-main/keys) records the keys of the algorithms Custos generates and
// skips the rest. A token can also hold RSA-1024, secp256k1, brainpool, … keys another
// application made: exactly what an officer must see. `discoverTokenKeys` runs that discovery and
// then records those keys as reporting-only inventory entries: store 'token' (they are on that
// token, so matching by serial and CKA_ID keeps discovery idempotent, and a destruction destroys
// the object), their inventory-only algorithm from the public key (src-shared/keys.ts), origin
// 'discovered', state 'active', their weak-key findings at once (../analysis/key-findings.ts).
// The key service refuses every use of them (../keys/inventory-only.ts).
// Decision: a wrapper here rather than a change to KeyService.discover, which belongs to another
// area; the core's `tokens.discover` calls this.
import { randomBytes } from 'node:crypto';
import { recordKeyFindings } from '../analysis/key-findings.js';
import { CustosError } from '../errors.js';
import { spkiFingerprint } from '../keys/identity.js';
import { KeyService } from '../keys/key-service.js';
import { KeyRepository } from '../keys/repository.js';
import type { TokenService } from '../pkcs11/service.js';
import type { TokenKeyRecord } from '../pkcs11/types.js';
import type { UnlockedVault } from '../vault/vault.js';
import { spkiFacts, type PublicKeyFacts } from './public-key-facts.js';

export interface DiscoveryResult {
  found: number;
  added: number;
  matched: number;
  skipped: string[];
}

/** What KeyService.discover says of a record it skips (it names the record so). */
const skippedName = (r: TokenKeyRecord) => `${r.label || r.ckaId}: `;

/** Facts of a record Custos does not manage but the inventory can hold, or null. */
function reportingOnlyFacts(r: TokenKeyRecord): PublicKeyFacts | null {
  if (!r.ckaId || r.algorithm !== null || !r.spki) return null;
  try {
    return spkiFacts(r.spki);
  } catch (e) {
    if (e instanceof CustosError) return null; // DH or an unreadable key: stays skipped, with the key service's reason
    throw e;
  }
}

/**
 * Records the keys on a token (KeyService.discover) and then the reporting-only ones among the
 * records it skipped. Running it twice adds nothing the second time: each key is matched by
 * (serial, CKA_ID), then by fingerprint.
 */
export async function discoverTokenKeys(v: UnlockedVault, tokens: TokenService, serial: string): Promise<DiscoveryResult> {
  const managed = await new KeyService(v, tokens).discover(serial); // checks the permission and audits token.discover
  const records = await (await tokens.clientForToken(serial)).discover(serial);
  const module = (await tokens.tokens()).find((t) => t.serial === serial)?.module ?? '';
  const repo = new KeyRepository(v.db);
  const held = new Set<string>();
  let added = 0;
  let matched = 0;
  const user = v.user.name;
  v.db.transaction(() => {
    for (const r of records) {
      const facts = reportingOnlyFacts(r);
      if (!facts) continue;
      held.add(skippedName(r));
      const fingerprint = spkiFingerprint(facts.spki);
      if (repo.findByTokenObject(serial, r.ckaId!) || repo.findByFingerprint(fingerprint)) {
        matched++;
        continue;
      }
      const id = randomBytes(16).toString('hex');
      const now = v.now();
      v.change(
        {
          actor: user, operation: 'key.discover', keyId: id, keyVersion: 1, outcome: 'success',
          details: { serial, ckaId: r.ckaId, algorithm: facts.algorithm, fingerprint, reportingOnly: true },
        },
        () => {
          repo.insert({
            id, name: r.label || `token ${serial} key ${r.ckaId!.slice(0, 8)}`, algorithm: facts.algorithm, family: facts.family, size: facts.size, curve: facts.curve,
            store: 'token', state: 'active', createdAt: now.toISOString(), createdBy: user, fingerprint, kcv: null, spki: facts.spki, usageMask: r.usageMask,
            origin: 'discovered', extractable: r.protection?.extractable ?? false, token: { serial, ckaId: r.ckaId!, label: r.label, module },
          });
          recordKeyFindings(v.db, { id, spki: facts.spki, algorithm: facts.algorithm, family: facts.family, size: facts.size, curve: facts.curve, usageMask: r.usageMask }, now);
        },
      );
      added++;
    }
  })();
  return {
    found: managed.found,
    added: managed.added + added,
    matched: managed.matched + matched,
    skipped: managed.skipped.filter((s) => ![...held].some((h) => s.startsWith(h))),
  };
}

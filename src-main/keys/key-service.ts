import { randomBytes } from 'node:crypto';
import { ALGORITHMS, type AlgorithmId, type KeyDetail, type KeySummary } from '../../src-shared/keys.js';
import type { KeyListInput } from '../../src-shared/contract.js';
import { aesKcv } from '../crypto/cmac.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import { requirePermission } from '../users/permissions.js';
import type { UnlockedVault } from '../vault/vault.js';
import { spkiFingerprint } from './identity.js';
import { KeyRepository } from './repository.js';
import { generateSoftwareKey } from './software-generate.js';

/** Generating, listing and reading keys held in the vault. */
export class KeyService {
  private readonly repo: KeyRepository;
  constructor(private readonly vault: UnlockedVault) {
    this.repo = new KeyRepository(vault.db);
  }

  async generate(input: { name: string; algorithm: AlgorithmId }): Promise<KeySummary> {
    const user = this.vault.user;
    try {
      requirePermission(user.role, 'keys.generate');
    } catch (e) {
      this.vault.record({ actor: user.name, operation: 'key.generate', outcome: 'refused', details: { algorithm: input.algorithm, reason: 'role' } });
      throw e;
    }
    const info = ALGORITHMS[input.algorithm];
    const generated = await generateSoftwareKey(input.algorithm);
    const id = randomBytes(16).toString('hex');
    try {
      const createdAt = this.vault.now().toISOString();
      const fingerprint = generated.spki ? spkiFingerprint(generated.spki) : null;
      const kcv = info.symmetric ? aesKcv(generated.secret) : null;
      const sealed = this.vault.sealMaterial(id, 1, generated.purpose, generated.secret);
      this.vault.change(
        { actor: user.name, operation: 'key.generate', keyId: id, keyVersion: 1, outcome: 'success', details: { algorithm: input.algorithm, store: 'vault', state: 'pre-active', fingerprint, kcv } },
        () => {
          this.repo.insert({
            id,
            name: input.name,
            algorithm: input.algorithm,
            family: info.family,
            size: info.size,
            curve: info.curve,
            store: 'vault',
            state: 'pre-active',
            createdAt,
            createdBy: user.name,
            fingerprint,
            kcv,
            spki: generated.spki,
          });
          this.repo.insertMaterial(id, 1, generated.purpose, sealed);
        },
      );
    } finally {
      wipe(generated.secret);
    }
    return this.get(id);
  }

  list(input: Required<Pick<KeyListInput, 'offset' | 'limit' | 'sort' | 'direction'>> & { search?: string | undefined }): { items: KeySummary[]; total: number } {
    requirePermission(this.vault.user.role, 'keys.read');
    return this.repo.list(input);
  }

  get(id: string): KeyDetail {
    requirePermission(this.vault.user.role, 'keys.read');
    const k = this.repo.get(id);
    if (!k) throw new CustosError('E_NOT_FOUND', `No key with id ${id} in this vault.`);
    return k;
  }
}

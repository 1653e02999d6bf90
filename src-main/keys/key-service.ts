import { randomBytes } from 'node:crypto';
import type { KeyListInput, SignMechanismId } from '../../src-shared/contract.js';
import { ALGORITHMS, defaultUsageMask, FAMILY_USAGE, type AlgorithmId, type KeyDetail, type KeyFamily, type KeySummary } from '../../src-shared/keys.js';
import { usageNames, type KeyOperation, type LifecycleAction, type RevocationReason } from '../../src-shared/lifecycle.js';
import { aesKcv } from '../crypto/cmac.js';
import { wipe } from '../crypto/wipe.js';
import { CustosError } from '../errors.js';
import { isCompromiseReason, mayUse, nextState, revocationCode } from '../../src-shared/state-machine.js';
import type { TokenService } from '../pkcs11/service.js';
import type { TokenAlgorithm, TokenKeyRecord } from '../pkcs11/types.js';
import { requirePermission } from '../users/permissions.js';
import type { UnlockedVault } from '../vault/vault.js';
import { spkiFingerprint } from './identity.js';
import { inventoryOnlyError, isUsableKey } from './inventory-only.js';
import { gateGeneration, rotationTasks } from '../app/policy-service.js';
import { checkMechanism, defaultSignMechanism } from './mechanisms.js';
import { KeyRepository, type KeyUseRecord } from './repository.js';
import { generateSoftwareKey } from './software-generate.js';
import { countDown, countUp, packedDigests, requestDigest, tokenChunks, vaultSigning, type SignRequest } from './sign-batch.js';
import { ecdsaRawListToDer } from '../pkcs11/spki.js';
import { hmacVerify, softwareSign, softwareVerify } from './software-sign.js';
import { toJwk, toOpenSsh, toPem } from '../certs/public-key-export.js';
import { createCsr } from '../certs/csr.js';
import { createSelfSignedCertificate } from '../certs/self-signed.js';
import type { CertSigner } from '../certs/signer.js';
import { aesGcmDecrypt, aesGcmEncrypt, rsaOaepDecrypt, rsaOaepEncrypt, type CipherMechanismId } from './software-cipher.js';

export interface GenerateInput {
  name: string;
  algorithm: AlgorithmId;
  usage?: number;
  tokenSerial?: string;
  wrappable?: boolean;
  purpose?: string;
}

/** Generating, listing, reading, moving through the lifecycle, and using keys (vault or token). */
export class KeyService {
  private readonly repo: KeyRepository;
  constructor(
    private readonly vault: UnlockedVault,
    private readonly tokens: TokenService | null = null,
  ) {
    this.repo = new KeyRepository(vault.db);
  }

  private refuse(operation: string, details: Record<string, string | number | boolean | null>, keyId: string | null, error: CustosError): never {
    this.vault.record({ actor: this.vault.user.name, operation, keyId, outcome: 'refused', details: { ...details, reason: error.message } });
    throw error;
  }

  private permit(action: Parameters<typeof requirePermission>[1], operation: string, keyId: string | null = null): void {
    try {
      requirePermission(this.vault.user.role, action);
    } catch (e) {
      this.refuse(operation, {}, keyId, e as CustosError);
    }
  }

  private tokenService(): TokenService {
    if (!this.tokens) throw new CustosError('E_UNSUPPORTED', 'PKCS#11 tokens are not available in this session.');
    return this.tokens;
  }

  async generate(input: GenerateInput): Promise<KeySummary> {
    this.permit('keys.generate', 'key.generate');
    const info = ALGORITHMS[input.algorithm];
    const usage = input.usage ?? defaultUsageMask(info.family);
    if ((usage & ~FAMILY_USAGE[info.family]!) !== 0) {
      throw new CustosError('E_INPUT', `${info.label} keys cannot be used for ${usageNames(usage & ~FAMILY_USAGE[info.family]!).join(', ')}.`);
    }
    // The active policy may forbid the key (blocking rules) or warn about it; both are audited.
    let policyWarnings: string[];
    try {
      policyWarnings = gateGeneration(this.vault.db, { algorithm: input.algorithm, family: info.family, size: info.size, curve: info.curve, store: input.tokenSerial ? 'token' : 'vault', extractable: input.wrappable === true, usageMask: usage, purpose: input.purpose ?? null }, this.vault.now());
    } catch (e) {
      this.refuse('key.generate', { algorithm: input.algorithm, purpose: input.purpose ?? null }, null, e as CustosError);
    }
    if (input.tokenSerial) return this.generateOnToken({ ...input, usage, policyWarnings: policyWarnings!.join(' | ') });
    if (input.wrappable !== undefined) throw new CustosError('E_INPUT', '"wrappable" applies to keys generated on a token.');
    const generated = await generateSoftwareKey(input.algorithm);
    const id = randomBytes(16).toString('hex');
    const user = this.vault.user;
    try {
      const createdAt = this.vault.now().toISOString();
      const fingerprint = generated.spki ? spkiFingerprint(generated.spki) : null;
      const kcv = info.family === 'aes' ? aesKcv(generated.secret) : null;
      const sealed = this.vault.sealMaterial(id, 1, generated.purpose, generated.secret);
      this.vault.change(
        { actor: user.name, operation: 'key.generate', keyId: id, keyVersion: 1, outcome: 'success', details: { algorithm: input.algorithm, store: 'vault', state: 'pre-active', usageMask: usage, purpose: input.purpose ?? null, fingerprint, kcv, policyWarnings: policyWarnings!.join(' | ') || null } },
        () => {
          this.repo.insert({
            id, name: input.name, algorithm: input.algorithm, family: info.family, size: info.size, curve: info.curve, store: 'vault', state: 'pre-active',
            createdAt, createdBy: user.name, fingerprint, kcv, spki: generated.spki, usageMask: usage, origin: 'generated', extractable: false, token: null, purpose: input.purpose ?? null,
          });
          this.repo.insertMaterial(id, 1, generated.purpose, sealed);
        },
      );
    } finally {
      wipe(generated.secret);
    }
    return this.get(id);
  }

  private async generateOnToken(input: GenerateInput & { usage: number; tokenSerial?: string; policyWarnings: string }): Promise<KeySummary> {
    const serial = input.tokenSerial!;
    const user = this.vault.user;
    const info = ALGORITHMS[input.algorithm];
    const tokens = this.tokenService();
    const client = await tokens.clientForToken(serial);
    let record: TokenKeyRecord;
    try {
      record = await client.generateKey({ serial, algorithm: input.algorithm as TokenAlgorithm, label: input.name, usageMask: input.usage, wrappableForBackup: input.wrappable === true });
    } catch (e) {
      this.vault.record({ actor: user.name, operation: 'key.generate', outcome: 'failed', details: { algorithm: input.algorithm, store: 'token', serial, reason: e instanceof CustosError ? e.message : 'token error' } });
      throw e;
    }
    const id = randomBytes(16).toString('hex');
    const createdAt = this.vault.now().toISOString();
    const spki = record.spki ? Buffer.from(record.spki) : null;
    const module = await this.moduleOf(serial);
    this.vault.change(
      {
        actor: user.name, operation: 'key.generate', keyId: id, keyVersion: 1, outcome: 'success',
        details: { algorithm: input.algorithm, store: 'token', serial, ckaId: record.ckaId, state: 'pre-active', usageMask: input.usage, purpose: input.purpose ?? null, extractable: input.wrappable === true, fingerprint: record.fingerprint, policyWarnings: input.policyWarnings || null },
      },
      () =>
        this.repo.insert({
          id, name: input.name, algorithm: input.algorithm, family: info.family, size: info.size, curve: info.curve, store: 'token', state: 'pre-active',
          createdAt, createdBy: user.name, fingerprint: record.fingerprint, kcv: null, spki, usageMask: input.usage, origin: 'generated',
          extractable: input.wrappable === true, token: { serial, ckaId: record.ckaId!, label: record.label, module }, purpose: input.purpose ?? null,
        }),
    );
    return this.get(id);
  }

  private async moduleOf(serial: string): Promise<string> {
    const t = (await this.tokenService().tokens()).find((x) => x.serial === serial);
    return t?.module ?? '';
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

  private forUse(id: string): KeyUseRecord {
    const k = this.repo.forUse(id);
    if (!k) throw new CustosError('E_NOT_FOUND', `No key with id ${id} in this vault.`);
    return k;
  }

  /** Refuses (audited unless `audit` is false) keys of inventory-only algorithms: imported RSA-1024, DSA, X25519, … (keys/inventory-only.ts). */
  private usable(k: KeyUseRecord, operation: string, what: string, audit = true): KeyUseRecord & { algorithm: AlgorithmId; family: KeyFamily } {
    if (isUsableKey(k)) return k;
    const e = inventoryOnlyError(k, what);
    if (audit) this.refuse(operation, { algorithm: k.algorithm }, k.id, e);
    throw e;
  }

  /**
   * Rotates: a new version (same algorithm, store and usage; on the same token for token keys)
   * becomes the active one, and the previous version turns process-only (deactivated: it may
   * verify, decrypt and unwrap until its process-stop date, never sign, encrypt or wrap).
   */
  async rotate(id: string, processDays = 365): Promise<KeySummary> {
    this.permit('keys.generate', 'key.rotate', id);
    return this.rotateAs(id, this.vault.user.name, processDays);
  }

  /** Rotation itself; `actor` null when the key rotates by itself (policy 'auto'). */
  private async rotateAs(id: string, actor: string | null, processDays: number): Promise<KeySummary> {
    const k = this.usable(this.forUse(id), 'key.rotate', 'rotate it (generate a new version)', actor !== null);
    if (k.state !== 'active' && k.state !== 'suspended') {
      if (actor === null) throw new CustosError('E_CONFLICT', `A ${k.state} key is not rotated.`);
      this.refuse('key.rotate', { from: k.state }, id, new CustosError('E_CONFLICT', `Only an active or suspended key can be rotated; this one is ${k.state}.`));
    }
    const info = ALGORITHMS[k.algorithm];
    const next = k.version + 1;
    const now = this.vault.now();
    const at = now.toISOString();
    const processStop = new Date(now.getTime() + processDays * 86_400_000).toISOString();
    let spki: Buffer | null = null;
    let fingerprint: string | null = null;
    let kcv: string | null = null;
    let tokenCkaId: string | null = null;
    let sealed: { nonce: Buffer; box: Buffer } | null = null;
    let purpose: 'private-pkcs8' | 'secret' = 'secret';
    if (k.token) {
      const client = await this.tokenService().clientForUse(k.token.serial);
      const record = await client.generateKey({ serial: k.token.serial, algorithm: k.algorithm as TokenAlgorithm, label: k.name, usageMask: k.usageMask });
      spki = record.spki ? Buffer.from(record.spki) : null;
      fingerprint = record.fingerprint;
      tokenCkaId = record.ckaId;
    } else {
      const g = await generateSoftwareKey(k.algorithm);
      try {
        spki = g.spki;
        fingerprint = g.spki ? spkiFingerprint(g.spki) : null;
        kcv = info.family === 'aes' ? aesKcv(g.secret) : null;
        purpose = g.purpose;
        sealed = this.vault.sealMaterial(id, next, g.purpose, g.secret);
      } finally {
        wipe(g.secret);
      }
    }
    this.vault.change(
      { actor, operation: 'key.rotate', keyId: id, keyVersion: next, outcome: 'success', details: { fromVersion: k.version, toVersion: next, previousState: 'deactivated', processStopAt: processStop, fingerprint, kcv, automatic: actor === null } },
      () => {
        this.repo.setVersionState(id, k.version, 'deactivated', at, processStop);
        this.repo.addVersion({ id, version: next, state: 'active', spki, fingerprint, kcv, at, tokenCkaId });
        if (sealed) this.repo.insertMaterial(id, next, purpose, sealed);
      },
    );
    return this.get(id);
  }

  versions(id: string): ReturnType<KeyRepository['versions']> {
    requirePermission(this.vault.user.role, 'keys.read');
    this.forUse(id);
    return this.repo.versions(id);
  }

  /** Sets a future activation date (the key activates by itself then) and an optional usage limit. */
  schedule(id: string, input: { activationAt?: string | null; deactivationAt?: string | null; maxUses?: number | null; rotation?: 'manual' | 'auto' }): KeySummary {
    this.permit('keys.lifecycle', 'key.schedule', id);
    const k = this.forUse(id);
    const details: Record<string, string | number | null> = {};
    this.vault.change({ actor: this.vault.user.name, operation: 'key.schedule', keyId: id, keyVersion: k.version, outcome: 'success', details }, () => {
      if (input.activationAt !== undefined) {
        if (k.state !== 'pre-active') throw new CustosError('E_CONFLICT', `Only a pre-active key gets an activation date; this one is ${k.state}.`);
        const at = input.activationAt === null ? null : new Date(input.activationAt).toISOString();
        this.repo.setActivationAt(id, k.version, at);
        details.activationAt = at;
      }
      if (input.deactivationAt !== undefined) {
        if (!['pre-active', 'active', 'suspended'].includes(k.state)) throw new CustosError('E_CONFLICT', `A ${k.state} key gets no deactivation date.`);
        const at = input.deactivationAt === null ? null : new Date(input.deactivationAt).toISOString();
        this.repo.setProtectStopAt(id, k.version, at);
        details.deactivationAt = at;
      }
      if (input.maxUses !== undefined) {
        this.repo.setMaxUses(id, input.maxUses);
        details.maxUses = input.maxUses;
      }
      if (input.rotation !== undefined) {
        this.repo.setRotation(id, input.rotation);
        details.rotation = input.rotation;
      }
    });
    return this.get(id);
  }

  cancelDestruction(id: string): KeySummary {
    this.permit('keys.lifecycle', 'key.destroy-cancel', id);
    const at = this.repo.destroyAt(id);
    if (!at) throw new CustosError('E_CONFLICT', 'This key is not scheduled for destruction.');
    if (at <= this.vault.now().toISOString()) throw new CustosError('E_CONFLICT', 'The waiting period is over; the destruction can no longer be cancelled.');
    this.vault.change({ actor: this.vault.user.name, operation: 'key.destroy-cancel', keyId: id, outcome: 'success', details: { wasScheduledFor: at } }, () => this.repo.setDestroyAt(id, null));
    return this.get(id);
  }

  /**
   * The work dates call for, done by nobody in particular (actor null, `automatic: true`):
   * activations whose date has come, versions past their process-stop date, and destructions whose
   * waiting period is over (vault material erased; token objects destroyed with C_DestroyObject,
   * or left due with the reason when the token is not present and logged in). Returns what it did.
   */
  async applyDue(): Promise<{ activated: number; deactivated: number; rotated: number; stopped: number; destroyed: number; waiting: string[] }> {
    const now = this.vault.now().toISOString();
    const out = { activated: 0, deactivated: 0, rotated: 0, stopped: 0, destroyed: 0, waiting: [] as string[] };
    for (const d of this.repo.dueActivations(now)) {
      this.vault.change({ actor: null, operation: 'key.activate', keyId: d.id, keyVersion: d.version, outcome: 'success', details: { from: 'pre-active', to: 'active', automatic: true } }, () =>
        this.repo.setState(d.id, d.version, 'active', now),
      );
      out.activated++;
    }
    for (const d of this.repo.dueDeactivations(now)) {
      this.vault.change({ actor: null, operation: 'key.deactivate', keyId: d.id, keyVersion: d.version, outcome: 'success', details: { from: d.state, to: 'deactivated', automatic: true, reason: 'deactivation date' } }, () =>
        this.repo.setState(d.id, d.version, 'deactivated', now),
      );
      out.deactivated++;
    }
    // Keys whose rotation is 'auto' rotate by themselves when the policy says their cryptoperiod is over.
    const auto = this.repo.autoRotating();
    if (auto.size > 0) {
      for (const due of rotationTasks(this.vault.db, this.vault.now(), 0, [...auto])) {
        if (!due.overdue) continue;
        try {
          await this.rotateAs(due.keyId, null, 365);
          out.rotated++;
        } catch (e) {
          out.waiting.push(`${due.keyName}: automatic rotation failed (${e instanceof CustosError ? e.message : 'error'})`);
        }
      }
    }
    for (const d of this.repo.dueProcessStops(now)) {
      // Past its process-stop date a version may do nothing at all: it is kept only to be destroyed.
      const k = this.forUse(d.id);
      if (d.version === k.version) continue;
      this.vault.change({ actor: null, operation: 'key.process-stop', keyId: d.id, keyVersion: d.version, outcome: 'success', details: { from: d.state, automatic: true } }, () =>
        this.repo.setVersionState(d.id, d.version, 'deactivated', now, now),
      );
      out.stopped++;
    }
    for (const id of this.repo.dueDestructions(now)) {
      const k = this.forUse(id);
      const to = nextState(k.state, 'destroy');
      if (!to) {
        out.waiting.push(`${k.name}: in state ${k.state}, it cannot be destroyed until deactivated or revoked`);
        continue;
      }
      if (k.token) {
        try {
          const client = await this.tokenService().clientForUse(k.token.serial);
          for (const v of this.repo.versions(id)) if (v.tokenCkaId) await client.destroyKey({ serial: k.token.serial, ckaId: v.tokenCkaId });
        } catch (e) {
          out.waiting.push(`${k.name}: the token ${k.token.serial} must be present and logged in (${e instanceof CustosError ? e.message : 'token error'})`);
          continue;
        }
      }
      this.vault.change({ actor: null, operation: 'key.destroy', keyId: id, keyVersion: k.version, outcome: 'success', details: { from: k.state, to, store: k.store, automatic: true } }, () => {
        this.repo.eraseMaterial(id);
        for (const v of this.repo.versions(id)) this.repo.setVersionState(id, v.version, v.state === 'compromised' || to === 'destroyed-compromised' ? 'destroyed-compromised' : 'destroyed', now);
        this.repo.setState(id, k.version, to, now);
        this.repo.setDestroyAt(id, null);
      });
      out.destroyed++;
    }
    return out;
  }

  /** A manual SP 800-57 transition of the key's current version; a refused one is audited. */
  transition(id: string, action: LifecycleAction, reason?: RevocationReason): KeySummary {
    this.permit('keys.lifecycle', `key.${action}`, id);
    const k = this.forUse(id);
    if (action === 'revoke' && !reason) throw new CustosError('E_INPUT', 'Revoking a key needs a reason (for example key-compromise or superseded).');
    const to = nextState(k.state, action, reason);
    if (!to) {
      this.refuse(`key.${action}`, { from: k.state, reason: reason ?? null }, id, new CustosError('E_CONFLICT', `A key in state ${k.state} cannot be ${action === 'revoke' ? `revoked (${reason})` : `${action}d`}.`));
    }
    const at = this.vault.now().toISOString();
    this.vault.change(
      { actor: this.vault.user.name, operation: `key.${action}`, keyId: id, keyVersion: k.version, outcome: 'success', details: { from: k.state, to: to!, reason: reason ?? null, revocationReason: reason ? revocationCode(reason) : null } },
      () => this.repo.setState(id, k.version, to!, at, { revocationReason: reason ? revocationCode(reason) : undefined, compromised: reason ? isCompromiseReason(reason) : false }),
    );
    return this.get(id);
  }

  /** `pending`: uses already granted but not yet counted in the database (a signing batch in flight). */
  private checkUse(k: KeyUseRecord, op: KeyOperation, operation: string, pending = 0): void {
    const ok = mayUse(k.state, k.usageMask, op);
    if (!ok.ok) this.refuse(operation, { op }, k.id, new CustosError('E_PERMISSION', `This key may not ${op}: ${ok.reason}.`));
    if (['sign', 'encrypt', 'wrap', 'mac-generate'].includes(op)) {
      const stop = k.protectStopAt !== undefined ? k.protectStopAt : this.repo.protectStopAt(k.id, k.version);
      if (stop && stop <= this.vault.now().toISOString()) {
        this.refuse(operation, { op, protectStopAt: stop }, k.id, new CustosError('E_PERMISSION', `This key's originator-usage period ended on ${stop}; it may only verify or decrypt now. Rotate it.`));
      }
    }
    const max = k.maxUses !== undefined ? k.maxUses : this.repo.maxUses(k.id);
    if (max !== null && k.useCount + pending >= max && ['sign', 'encrypt', 'wrap', 'mac-generate'].includes(op)) {
      this.refuse(operation, { op, useCount: k.useCount + pending, maxUses: max }, k.id, new CustosError('E_PERMISSION', `This key has reached its usage limit (${max} operations); rotate it.`));
    }
  }

  /**
   * Signs with the key's current version. Permission is checked at once; the rest happens in a
   * batch with every other signature asked of the same key in the same turn (see sign-batch.ts):
   * state, usage period and usage limit are checked against one read of the key's row (uses
   * granted but not yet committed count against the limit), the token gets one request per chunk,
   * and each signature's audit event commits with its use-count change before it is released.
   */
  async sign(id: string, data: Buffer, mechanism?: SignMechanismId): Promise<{ signature: Buffer; mechanism: SignMechanismId }> {
    this.permit('keys.sign', 'key.sign', id);
    const signing = vaultSigning(this.vault);
    return new Promise((resolve, reject) => {
      let queue = signing.queues.get(id);
      if (!queue) {
        queue = [];
        signing.queues.set(id, queue);
        queueMicrotask(() => void this.signBatch(id));
      }
      queue.push({ data, mechanism, actor: this.vault.user.name, resolve, reject });
    });
  }

  private async signBatch(id: string): Promise<void> {
    const signing = vaultSigning(this.vault);
    const queue = signing.queues.get(id) ?? [];
    signing.queues.delete(id);
    let k: KeyUseRecord;
    try {
      k = this.usable(this.forUse(id), 'key.sign', 'sign with it');
    } catch (e) {
      for (const r of queue) r.reject(e);
      return;
    }
    const byMechanism = new Map<SignMechanismId, SignRequest[]>();
    for (const r of queue) {
      try {
        const mech = r.mechanism ?? defaultSignMechanism(k.algorithm);
        checkMechanism(k.family, mech);
        this.checkUse(k, mech === 'hmac-sha256' ? 'mac-generate' : 'sign', 'key.sign', signing.reserved.get(id) ?? 0);
        countUp(signing.reserved, id);
        const group = byMechanism.get(mech);
        if (group) group.push(r);
        else byMechanism.set(mech, [r]);
      } catch (e) {
        r.reject(e);
      }
    }
    const work: Array<Promise<void>> = [];
    for (const [mech, granted] of byMechanism) {
      if (k.token) {
        const ref = { serial: k.token.serial, ckaId: k.token.ckaId };
        const serial = k.token.serial;
        // A failure to reach the token (no token service, token gone) rejects the chunk, which
        // releases its reservations: a batch never leaves a request unsettled.
        const client = Promise.resolve().then(() => this.tokenService().clientForUse(serial));
        const inFlight = signing.inFlight;
        for (const chunk of tokenChunks(granted, inFlight.get(id) ?? 0)) {
          countUp(inFlight, id);
          const answered = () => countDown(inFlight, id);
          // ECDSA-SHA256: the token signs the digest this thread computes for the audit event anyway,
          // and the raw r||s becomes DER here, so the token's thread does nothing but C_Sign.
          const signatures =
            mech === 'ecdsa-sha256'
              ? client.then((c) => c.signMany(ref, mech, packedDigests(chunk), { prehashed: true, ecdsaFormat: 'raw' })).then(ecdsaRawListToDer)
              : client.then((c) => c.signMany(ref, mech, chunk.map((r) => r.data)));
          signatures.then(answered, answered);
          work.push(this.completeSigns(k, mech, chunk, signatures));
        }
      } else {
        work.push(this.completeSigns(k, mech, granted, Promise.resolve().then(() => this.softwareSignMany(k, mech, granted))));
      }
    }
    await Promise.all(work);
  }

  private softwareSignMany(k: KeyUseRecord, mech: SignMechanismId, granted: readonly SignRequest[]): Buffer[] {
    const { material } = this.vault.openMaterial(k.id, k.version);
    try {
      return granted.map((r) => softwareSign(mech, material, r.data));
    } finally {
      wipe(material);
    }
  }

  /** Records the signatures (one event each, one use-count change, one transaction) and only then releases them. */
  private async completeSigns(k: KeyUseRecord, mech: SignMechanismId, granted: readonly SignRequest[], signatures: Promise<Uint8Array[]>): Promise<void> {
    const reserved = vaultSigning(this.vault).reserved;
    let release = granted.length;
    const unreserve = () => {
      countDown(reserved, k.id, release);
      release = 0;
    };
    try {
      const sigs = await signatures;
      const events = granted.map((r) => ({
        actor: r.actor, operation: 'key.sign', keyId: k.id, keyVersion: k.version, outcome: 'success' as const,
        // Keys in canonical order: the audit encoder takes them as they are (audit/chain.ts encodeDetails).
        details: { dataSha256: requestDigest(r), mechanism: mech, store: k.store },
      }));
      // Inside the transaction the counted uses replace the reservation, so the limit never sees them twice or not at all.
      await this.vault.recordUse(events, () => {
        // Signs run beside the core's queue (core.ts): a revocation, suspension or rotation may
        // have committed while the token signed. The key must still allow this use at commit, or
        // the signatures are withheld and recorded as refused (vault.ts flushUsage).
        const now = this.repo.useCheck(k.id);
        const op = mech === 'hmac-sha256' ? 'mac-generate' : 'sign';
        if (!now || now.version !== k.version || !mayUse(now.state, now.usageMask, op).ok) {
          throw new CustosError('E_CONFLICT', `The key changed while this signature was made (it is now ${now ? `${now.state}, version ${now.version}` : 'gone'}); the signature was withheld.`);
        }
        this.repo.countUses(k.id, granted.length);
        unreserve();
      });
      for (let i = 0; i < granted.length; i++) granted[i]!.resolve({ signature: Buffer.from(sigs[i]!.buffer, sigs[i]!.byteOffset, sigs[i]!.byteLength), mechanism: mech });
    } catch (e) {
      unreserve();
      for (const r of granted) r.reject(e);
    }
  }

  async verify(id: string, data: Buffer, signature: Buffer, mechanism?: SignMechanismId, version?: number): Promise<{ valid: boolean; mechanism: SignMechanismId }> {
    requirePermission(this.vault.user.role, 'keys.verify');
    const current = this.usable(this.forUse(id), 'key.verify', 'verify with it');
    let k = current;
    if (version !== undefined && version !== current.version) {
      // An earlier version verifies what it signed, while its own state allows processing.
      const v = this.repo.versionForUse(id, version);
      if (!v) throw new CustosError('E_NOT_FOUND', `This key has no version ${version}.`);
      if (v.processStopAt && v.processStopAt <= this.vault.now().toISOString()) {
        this.refuse('key.verify', { version }, id, new CustosError('E_PERMISSION', `Version ${version} is past its process-stop date (${v.processStopAt}); it may no longer verify.`));
      }
      k = { ...current, version, state: v.state as KeyUseRecord['state'], spki: v.spki, token: current.token && v.tokenCkaId ? { ...current.token, ckaId: v.tokenCkaId } : current.token };
    }
    const mech = mechanism ?? defaultSignMechanism(k.algorithm);
    checkMechanism(k.family, mech);
    this.checkUse(k, mech === 'hmac-sha256' ? 'mac-verify' : 'verify', 'key.verify');
    let valid: boolean;
    if (k.spki) valid = softwareVerify(mech, k.spki, data, signature);
    else if (k.token) {
      const client = await this.tokenService().clientForUse(k.token.serial);
      valid = await client.verify({ serial: k.token.serial, ckaId: k.token.ckaId }, mech, data, signature);
    } else {
      const { material } = this.vault.openMaterial(id, k.version);
      try {
        valid = hmacVerify(material, data, signature);
      } finally {
        wipe(material);
      }
    }
    return { valid, mechanism: mech };
  }

  private cipherMechanism(k: KeyUseRecord, requested?: CipherMechanismId): CipherMechanismId {
    const m = requested ?? (k.family === 'aes' ? 'aes-gcm' : k.store === 'token' ? 'rsa-oaep-sha1' : 'rsa-oaep-sha256');
    const fits = k.family === 'aes' ? m === 'aes-gcm' : k.family === 'rsa' ? m !== 'aes-gcm' : false;
    if (!fits) throw new CustosError('E_INPUT', `The ${m} mechanism does not fit a ${k.family} key; encryption uses AES or RSA keys.`);
    return m;
  }

  /** Encrypts with AES-GCM (a fresh IV) or RSA-OAEP; gated by state and usage like signing. */
  async encrypt(id: string, plaintext: Buffer, options: { aad?: Buffer; mechanism?: CipherMechanismId } = {}): Promise<{ ciphertext: Buffer; iv: Buffer | null; mechanism: CipherMechanismId }> {
    this.permit('keys.sign', 'key.encrypt', id);
    const k = this.usable(this.forUse(id), 'key.encrypt', 'encrypt with it');
    const mech = this.cipherMechanism(k, options.mechanism);
    // Like a signature, an encryption in flight counts against the usage limit until it is committed.
    const signing = vaultSigning(this.vault);
    this.checkUse(k, 'encrypt', 'key.encrypt', signing.reserved.get(id) ?? 0);
    countUp(signing.reserved, id);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      countDown(signing.reserved, id);
    };
    try {
      let out: { ciphertext: Buffer; iv: Buffer | null };
      if (k.family === 'rsa' && k.spki) out = { ciphertext: rsaOaepEncrypt(k.spki, plaintext, mech), iv: null };
      else if (k.token) {
        const r = await (await this.tokenService().clientForUse(k.token.serial)).encrypt({ serial: k.token.serial, ckaId: k.token.ckaId }, mech, plaintext, { aad: options.aad });
        out = { ciphertext: Buffer.from(r.ciphertext), iv: r.iv ? Buffer.from(r.iv) : null };
      } else {
        const { material } = this.vault.openMaterial(id, k.version);
        try {
          out = aesGcmEncrypt(material, plaintext, options.aad ?? null);
        } finally {
          wipe(material);
        }
      }
      await this.vault.recordUse({ actor: this.vault.user.name, operation: 'key.encrypt', keyId: id, keyVersion: k.version, outcome: 'success', details: { bytes: plaintext.length, mechanism: mech, store: k.store } }, () => {
        this.repo.countUse(id);
        release();
      });
      return { ...out, mechanism: mech };
    } finally {
      release();
    }
  }

  async decrypt(id: string, ciphertext: Buffer, options: { iv?: Buffer; aad?: Buffer; mechanism?: CipherMechanismId } = {}): Promise<{ plaintext: Buffer; mechanism: CipherMechanismId }> {
    this.permit('keys.sign', 'key.decrypt', id);
    const k = this.usable(this.forUse(id), 'key.decrypt', 'decrypt with it');
    const mech = this.cipherMechanism(k, options.mechanism);
    this.checkUse(k, 'decrypt', 'key.decrypt');
    if (mech === 'aes-gcm' && !options.iv) throw new CustosError('E_INPUT', 'AES-GCM decryption needs the IV that encryption returned.');
    let plaintext: Buffer;
    if (k.token) {
      plaintext = Buffer.from(await (await this.tokenService().clientForUse(k.token.serial)).decrypt({ serial: k.token.serial, ckaId: k.token.ckaId }, mech, ciphertext, { iv: options.iv, aad: options.aad }));
    } else {
      const { material } = this.vault.openMaterial(id, k.version);
      try {
        plaintext = mech === 'aes-gcm' ? aesGcmDecrypt(material, ciphertext, options.iv!, options.aad ?? null) : rsaOaepDecrypt(material, ciphertext, mech);
      } finally {
        wipe(material);
      }
    }
    await this.vault.recordUse({ actor: this.vault.user.name, operation: 'key.decrypt', keyId: id, keyVersion: k.version, outcome: 'success', details: { bytes: ciphertext.length, mechanism: mech, store: k.store } }, () => this.repo.countUse(id));
    return { plaintext, mechanism: mech };
  }

  /** The key's public half as PEM, JWK or an OpenSSH line; never any private part. */
  exportPublic(id: string, format: 'pem' | 'jwk' | 'openssh'): string {
    requirePermission(this.vault.user.role, 'keys.read');
    const k = this.forUse(id);
    if (!k.spki) throw new CustosError('E_UNSUPPORTED', 'Symmetric keys have no public part to export; their key check value identifies them.');
    if (format === 'pem') return toPem(k.spki);
    if (format === 'jwk') return JSON.stringify(toJwk(k.spki), null, 2) + '\n';
    return toOpenSsh(k.spki, k.name.replace(/\s+/g, '_')) + '\n';
  }

  private certSigner(k: KeyUseRecord): CertSigner {
    if (!k.spki) throw new CustosError('E_UNSUPPORTED', 'Only asymmetric keys can sign a certificate or a request.');
    if (!isUsableKey(k)) throw inventoryOnlyError(k, 'sign a certificate or a request with it');
    return { algorithm: k.algorithm, spki: k.spki, sign: async (tbs) => (await this.sign(k.id, Buffer.from(tbs))).signature };
  }

  /** A PKCS#10 request signed by the key (through the same gates and audit as any signature). */
  async csr(id: string, input: { subject: string; dnsNames?: string[]; ca?: boolean }): Promise<{ pem: string; subject: string }> {
    const k = this.forUse(id);
    const r = await createCsr(this.certSigner(k), { subject: input.subject, usageMask: k.usageMask, ca: input.ca, dnsNames: input.dnsNames });
    this.vault.record({ actor: this.vault.user.name, operation: 'key.csr', keyId: id, keyVersion: k.version, outcome: 'success', details: { subject: r.subject, signatureAlgorithm: r.signatureAlgorithm } });
    return { pem: r.pem, subject: r.subject };
  }

  /** A self-signed X.509 v3 certificate for the key (a root CA when `ca`). */
  async selfSign(id: string, input: { subject: string; days: number; ca: boolean; pathLength?: number; dnsNames?: string[] }): Promise<{ pem: string; subject: string; serialNumber: string; fingerprint: string; notAfter: string }> {
    const k = this.forUse(id);
    const notBefore = this.vault.now();
    const notAfter = new Date(notBefore.getTime() + input.days * 86_400_000);
    const r = await createSelfSignedCertificate(this.certSigner(k), { subject: input.subject, notBefore, notAfter, usageMask: k.usageMask, ca: input.ca, pathLength: input.pathLength, dnsNames: input.dnsNames });
    this.vault.record({ actor: this.vault.user.name, operation: 'key.certify', keyId: id, keyVersion: k.version, outcome: 'success', details: { subject: r.subject, serialNumber: r.serialNumber, certificateSha256: r.fingerprint, ca: input.ca, notAfter: notAfter.toISOString() } });
    return { pem: r.pem, subject: r.subject, serialNumber: r.serialNumber, fingerprint: r.fingerprint, notAfter: notAfter.toISOString() };
  }

  /**
   * Records the keys already on a token: matched by (serial, CKA_ID) first, then by public-key
   * fingerprint; new ones enter the inventory with origin "discovered" and state active (they are
   * already in service). Running it twice adds nothing the second time.
   */
  async discover(serial: string): Promise<{ found: number; added: number; matched: number; skipped: string[] }> {
    this.permit('tokens.use', 'token.discover');
    const client = await this.tokenService().clientForToken(serial);
    const records = await client.discover(serial);
    const module = await this.moduleOf(serial);
    const result = { found: records.length, added: 0, matched: 0, skipped: [] as string[] };
    const now = this.vault.now().toISOString();
    this.vault.db.transaction(() => {
      for (const r of records) {
        if (!r.ckaId) {
          result.skipped.push(`${r.label || 'unlabelled'} ${r.kind}: no CKA_ID, so Custos cannot address it`);
          continue;
        }
        if (!r.algorithm || !(r.algorithm in ALGORITHMS)) {
          result.skipped.push(`${r.label || r.ckaId}: ${r.keyType} key of a kind Custos does not manage`);
          continue;
        }
        if (this.repo.findByTokenObject(serial, r.ckaId) || (r.fingerprint && this.repo.findByFingerprint(r.fingerprint))) {
          result.matched++;
          continue;
        }
        const info = ALGORITHMS[r.algorithm as AlgorithmId];
        const id = randomBytes(16).toString('hex');
        this.repo.insert({
          id, name: r.label || `token ${serial} key ${r.ckaId.slice(0, 8)}`, algorithm: info.id, family: info.family, size: r.size ?? info.size, curve: info.curve,
          store: 'token', state: 'active', createdAt: now, createdBy: this.vault.user.name, fingerprint: r.fingerprint, kcv: null,
          spki: r.spki ? Buffer.from(r.spki) : null, usageMask: r.usageMask, origin: 'discovered', extractable: r.protection?.extractable ?? false,
          token: { serial, ckaId: r.ckaId, label: r.label, module },
        });
        this.vault.audit.append({ actor: this.vault.user.name, operation: 'key.discover', keyId: id, keyVersion: 1, outcome: 'success', details: { serial, ckaId: r.ckaId, algorithm: info.id, fingerprint: r.fingerprint } });
        result.added++;
      }
      this.vault.audit.append({ actor: this.vault.user.name, operation: 'token.discover', outcome: 'success', details: { serial, found: result.found, added: result.added, matched: result.matched } });
    })();
    return result;
  }
}

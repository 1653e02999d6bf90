import { randomBytes } from 'node:crypto';
import { CustosError } from '../errors.js';
import type { UnlockedVault } from '../vault/vault.js';
import type { BackupPackage, CreatedBackup } from './package.js';

/**
 * Shares waiting to be handed to their custodians. A backup made in the console (or in a
 * ceremony) cannot show every share on one screen, so each share waits here — sealed under the
 * vault's material key with a one-off binding, never in the clear — until its custodian
 * authenticates and asks for it. It is opened once, returned, and forgotten. Everything held is
 * tied to the vault session that made it: a lock (a new session) makes it unreachable.
 */
interface Waiting {
  custodian: string;
  index: number;
  kind: 'mnemonic' | 'component';
  binding: string;
  sealed: string;
  kcv: string | null;
}

export interface HandedShare {
  custodian: string;
  index: number;
  kind: 'mnemonic' | 'component';
  /** The clear share: the caller shows it to the custodian and drops it. */
  share: string;
  kcv: string | null;
  waiting: string[];
  /** The backup's header (no secret): what the share belongs to. */
  header: BackupPackage['header'];
}

export class ShareCustody {
  private readonly held = new Map<string, { vault: UnlockedVault; pkg: BackupPackage; shares: Waiting[] }>();

  /** Takes the shares of a fresh backup into custody (slip39 mnemonics or XOR components). */
  hold(vault: UnlockedVault, created: CreatedBackup): void {
    const h = created.pkg.header;
    const texts = created.mnemonics?.map((m, i) => ({ index: i + 1, kind: 'mnemonic' as const, text: m, kcv: null }))
      ?? created.components?.map((c) => ({ index: c.index, kind: 'component' as const, text: c.hex, kcv: c.kcv }))
      ?? [];
    const shares = texts.map((t) => {
      const binding = randomBytes(16).toString('hex');
      return { custodian: h.scheme.custodians[t.index - 1]!, index: t.index, kind: t.kind, binding, sealed: vault.sealSecret(`share-custody|${h.packageId}|${binding}`, Buffer.from(t.text, 'utf8')), kcv: t.kcv };
    });
    this.dropStale(vault);
    if (shares.length) this.held.set(h.packageId, { vault, pkg: created.pkg, shares });
  }

  /** Custodians still waiting for their share of `packageId` (none when nothing is held). */
  waiting(vault: UnlockedVault, packageId: string): string[] {
    const e = this.held.get(packageId);
    return e && e.vault === vault ? e.shares.map((s) => s.custodian) : [];
  }

  /**
   * Hands `custodian` (already authenticated by the caller) their share, once: `deliver` gets it
   * (to render a card, to return it), and only when it succeeds is the share forgotten — a failed
   * hand-off (a PDF that could not be made) leaves it waiting. Refuses anyone the backup does not
   * name, and a share already handed over.
   */
  async handOut<T>(vault: UnlockedVault, packageId: string, custodian: string, deliver: (share: HandedShare) => Promise<T>): Promise<T> {
    const e = this.held.get(packageId);
    if (!e || e.vault !== vault) throw new CustosError('E_NOT_FOUND', 'No shares of this backup are waiting to be handed over (they are handed over once, in the session that made the backup).');
    const names = e.pkg.header.scheme.custodians;
    if (!names.some((n) => n.toLowerCase() === custodian.toLowerCase())) throw new CustosError('E_PERMISSION', `${custodian} is not a custodian of this backup; its shares go to ${names.join(', ')}.`);
    const s = e.shares.find((x) => x.custodian.toLowerCase() === custodian.toLowerCase());
    if (!s) throw new CustosError('E_CONFLICT', `${custodian} has already been handed their share; a share is shown once.`);
    const clear = vault.openSecret(`share-custody|${packageId}|${s.binding}`, s.sealed);
    const share = clear.toString('utf8');
    clear.fill(0);
    const rest = e.shares.filter((x) => x !== s);
    const out = await deliver({ custodian: s.custodian, index: s.index, kind: s.kind, share, kcv: s.kcv, waiting: rest.map((x) => x.custodian), header: e.pkg.header });
    e.shares = rest;
    if (!rest.length) this.held.delete(packageId);
    return out;
  }

  /** Forgets every share still waiting for `packageId` (destroy-temporary, abort). */
  forget(packageId: string): number {
    const n = this.held.get(packageId)?.shares.length ?? 0;
    this.held.delete(packageId);
    return n;
  }

  /** Drops whatever an earlier vault session left (sealed under a key that is gone anyway). */
  dropStale(vault: UnlockedVault): void {
    for (const [id, e] of this.held) if (e.vault !== vault) this.held.delete(id);
  }
}

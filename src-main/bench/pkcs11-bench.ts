import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenService } from '../app/token-setup.js';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { KeyService } from '../keys/key-service.js';
import { createSoftHsm } from '../testing/softhsm.js';
import { UnlockedVault } from '../vault/vault.js';
import type { BenchRow } from './table.js';

/**
 * Signatures per second through Custos (KeyService.sign: permission, state and usage checks, the
 * worker hop, the audit event) against raw pkcs11js in a separate process, on the same SoftHSM
 * token and key. Custos is measured with one request at a time and with several in flight.
 */
export async function pkcs11Bench(options: { rawChild: string; workerScript?: string; seconds: number }): Promise<BenchRow[]> {
  const hsm = createSoftHsm({ labels: ['bench'] });
  const root = mkdtempSync(join(tmpdir(), 'custos-bench-p11-'));
  const tokens = createTokenService({ allowlist: [hsm.modulePath], workerScript: options.workerScript });
  const rows: BenchRow[] = [];
  try {
    const token = hsm.tokens[0]!;
    const v = await UnlockedVault.create(join(root, 'v'), { adminName: 'alice', passphrase: 'bench passphrase', kdfCost: MINIMUM_KDF_COST });
    const keys = new KeyService(v, tokens);
    await (await tokens.clientForToken(token.serial)).login(token.serial, token.userPin);
    for (const [algorithm, mech, label] of [
      ['ec-p256', 'ecdsa', 'ECDSA P-256'],
      ['rsa-2048', 'rsa', 'RSA-2048 PKCS#1 v1.5'],
    ] as const) {
      const k = await keys.generate({ name: `bench-${algorithm}`, algorithm, tokenSerial: token.serial });
      keys.transition(k.id, 'activate');
      const raw = spawnSync(process.execPath, [options.rawChild, hsm.modulePath, token.serial, token.userPin, k.token!.ckaId, mech, String(options.seconds)], { env: hsm.env, encoding: 'utf8' });
      if (raw.status !== 0) throw new Error(`raw pkcs11js benchmark failed: ${raw.stderr}`);
      const rawRate = (JSON.parse(raw.stdout.trim()) as { perSecond: number }).perSecond;
      const data = Buffer.from('benchmark data to sign, the same for both sides');
      const measure = async (inFlight: number): Promise<number> => {
        const deadline = performance.now() + options.seconds * 1000;
        let n = 0;
        await Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (performance.now() < deadline) {
              await keys.sign(k.id, data);
              n++;
            }
          }),
        );
        return n / options.seconds;
      };
      const client = await tokens.clientForToken(token.serial);
      const measureClient = async (inFlight: number): Promise<number> => {
        const deadline = performance.now() + options.seconds * 1000;
        let n = 0;
        await Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (performance.now() < deadline) {
              await client.sign({ serial: token.serial, ckaId: k.token!.ckaId }, mech === 'ecdsa' ? 'ecdsa-sha256' : 'rsa-pkcs1-sha256', data);
              n++;
            }
          }),
        );
        return n / options.seconds;
      };
      const clientOnly = await measureClient(8);
      rows.push({ what: `${label}: the token worker alone, 8 in flight`, measured: `${Math.round(clientOnly)}/s (ratio ${(clientOnly / rawRate).toFixed(2)})`, anchor: 'the thread hop, no checks or audit' });
      const seq = await measure(1);
      const par = await measure(8);
      const par32 = await measure(32);
      const r = (x: number) => `${Math.round(x).toLocaleString('en')}/s`;
      rows.push({ what: `${label}: raw pkcs11js`, measured: r(rawRate), anchor: '' });
      rows.push({ what: `${label}: Custos, 1 in flight`, measured: `${r(seq)} (ratio ${(seq / rawRate).toFixed(2)})`, anchor: 'goal: ratio ≥ 0.9' });
      rows.push({ what: `${label}: Custos, 8 in flight`, measured: `${r(par)} (ratio ${(par / rawRate).toFixed(2)})`, anchor: 'goal: ratio ≥ 0.9' });
      rows.push({ what: `${label}: Custos, 32 in flight`, measured: `${r(par32)} (ratio ${(par32 / rawRate).toFixed(2)})`, anchor: 'goal: ratio ≥ 0.9' });
    }
    v.close();
  } finally {
    await tokens.close();
    hsm.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

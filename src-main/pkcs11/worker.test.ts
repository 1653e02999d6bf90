import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustosError, isCustosError } from '../errors.js';
import { tempDir } from '../testing/temp.js';
import { createSoftHsm, softHsmAvailable, type SoftHsmFixture } from '../testing/softhsm.js';
import { TokenClient, WorkerTransport } from './client.js';
import { handleRequest, type Pkcs11Api } from './protocol.js';
import { TokenService } from './service.js';
import { buildPkcs11WorkerForTests } from './test-support.js';
import { KMIP_USAGE as U } from './usage.js';
import { resolveWorkerScript } from './worker-path.js';

describe('the request/response protocol', () => {
  const api = {
    moduleInfo: () => ({ path: '/m.so' }),
    logout: () => undefined,
    sign: () => {
      throw new CustosError('E_PERMISSION', 'Log in first.');
    },
    verify: () => {
      throw new Error('native detail /home/secret 0xdeadbeef');
    },
  } as unknown as Pkcs11Api;

  it('answers every request, including malformed ones, and passes only code and message of errors', () => {
    expect(handleRequest(api, { id: 1, op: 'moduleInfo', args: [] })).toEqual({ id: 1, ok: true, value: { path: '/m.so' } });
    expect(handleRequest(api, { id: 2, op: 'logout', args: ['s'] })).toEqual({ id: 2, ok: true, value: null });
    expect(handleRequest(api, { id: 3, op: 'sign', args: [] })).toEqual({ id: 3, ok: false, error: { code: 'E_PERMISSION', message: 'Log in first.' } });
    const seen: string[] = [];
    const unexpected = handleRequest(api, { id: 4, op: 'verify', args: [] }, (op) => seen.push(op));
    expect(unexpected).toMatchObject({ id: 4, ok: false, error: { code: 'E_INTERNAL' } });
    expect(JSON.stringify(unexpected)).not.toMatch(/secret|deadbeef/);
    expect(seen).toEqual(['verify']);
    expect(handleRequest(api, { id: 5, op: 'constructor', args: [] })).toMatchObject({ id: 5, ok: false, error: { code: 'E_INTERNAL' } });
    expect(handleRequest(api, { id: 6, op: 'sign', args: 'no' })).toMatchObject({ ok: false });
    expect(handleRequest(api, null)).toMatchObject({ id: -1, ok: false });
  });
});

describe('the worker transport', () => {
  const tmp = tempDir('custos-worker-');
  afterAll(() => tmp.cleanup());

  it('rejects pending calls when its worker dies, and refuses new ones', async () => {
    const script = join(tmp.path, 'dies.mjs');
    writeFileSync(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    const t = new WorkerTransport(script, { modulePath: '/x.so', allowlist: ['/x.so'] });
    const e = await t.request('moduleInfo', []).catch((x: unknown) => x);
    expect(isCustosError(e) && e.code).toBe('E_INTERNAL');
    expect((e as Error).message).toMatch(/PKCS#11 worker for \/x\.so has stopped/);
    expect(t.alive).toBe(false);
    await expect(t.request('listSlots', [])).rejects.toMatchObject({ code: 'E_INTERNAL' });
  });

  it('says how to get a worker when none was built', () => {
    expect(() => resolveWorkerScript('/nonexistent/pkcs11-worker.js')).toThrow(/does not exist/);
    // Under vitest the sources run from src-main/pkcs11, where no built worker lives.
    expect(() => resolveWorkerScript()).toThrow(/build must include the pkcs11-worker entry/);
  });
});

describe.skipIf(!softHsmAvailable())('SoftHSM through the real worker thread', () => {
  let fx: SoftHsmFixture;
  let built: { script: string; cleanup: () => void };
  let service: TokenService;

  beforeAll(async () => {
    fx = createSoftHsm({ labels: ['custos-worker'] });
    built = await buildPkcs11WorkerForTests();
    service = new TokenService({ allowlist: [fx.modulePath], workerScript: built.script });
  });
  afterAll(async () => {
    await service?.close();
    built?.cleanup();
    fx?.cleanup();
  });

  it('keeps the main thread responsive while the token generates RSA keys', async () => {
    const client = await service.clientForToken(fx.serial);
    await client.login(fx.serial, fx.userPin);
    let ticks = 0;
    let done = false;
    const spin = () => {
      if (done) return;
      ticks++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const key = await client.generateKey({ serial: fx.serial, algorithm: 'rsa-3072', label: 'big', usageMask: U.Sign | U.Verify });
    done = true;
    expect(key).toMatchObject({ algorithm: 'rsa-3072', size: 3072 });
    // The event loop kept turning while C_GenerateKeyPair ran in the worker.
    expect(ticks).toBeGreaterThan(10);
  });

  it('answers many concurrent requests, in order, from one worker', async () => {
    const client = await service.clientForToken(fx.serial);
    const key = await client.generateKey({ serial: fx.serial, algorithm: 'ec-p256', label: 'busy', usageMask: U.Sign | U.Verify });
    const ref = { serial: fx.serial, ckaId: key.ckaId! };
    const messages = Array.from({ length: 50 }, (_, i) => Buffer.from(`message ${i}`));
    const sigs = await Promise.all(messages.map((m) => client.sign(ref, 'ecdsa-sha256', m)));
    const ok = await Promise.all(messages.map((m, i) => client.verify(ref, 'ecdsa-sha256', m, sigs[i]!)));
    expect(ok.every(Boolean)).toBe(true);
    expect(await client.verify(ref, 'ecdsa-sha256', messages[0]!, sigs[1]!)).toBe(false);
  });

  it('errors arrive as CustosErrors with code and message only', async () => {
    const client = await service.clientForToken(fx.serial);
    const e = await client.login(fx.serial, '0000').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CustosError);
    expect(e).toMatchObject({ code: 'E_AUTH_FAILED' });
    expect((e as Error).cause).toBeUndefined();
    await client.login(fx.serial, fx.userPin);
  });

  it('after a worker stops, the service starts a fresh one (logged out) on the next call', async () => {
    const first = await service.client(fx.modulePath);
    await first.close();
    expect(first.alive).toBe(false);
    await expect(first.listTokens()).rejects.toMatchObject({ code: 'E_INTERNAL' });
    const second = await service.client(fx.modulePath);
    expect(second).not.toBe(first);
    const t = await second.tokenInfo(fx.serial);
    expect(t.loggedIn).toBe(false);
    await second.login(fx.serial, fx.userPin);
    expect((await second.discover(fx.serial)).length).toBeGreaterThan(0);
  });

  const builtByElectronVite = resolve('out/main/pkcs11-worker.js');
  it.skipIf(!existsSync(builtByElectronVite))('the worker built by electron-vite (out/main/pkcs11-worker.js) speaks the same protocol', async () => {
    await service.close();
    const client = await TokenClient.open({ modulePath: fx.modulePath, allowlist: [fx.modulePath], workerScript: builtByElectronVite });
    try {
      expect((await client.listTokens()).some((t) => t.serial === fx.serial)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

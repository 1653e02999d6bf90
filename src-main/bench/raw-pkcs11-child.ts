// Raw pkcs11js signing loop for the benchmark: same token, same key (found by CKA_ID), no Custos.
// Runs in its own process because a PKCS#11 library is initialised once per process.
import * as cryptoNs from 'node:crypto';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11js from 'pkcs11js';

const require = createRequire(import.meta.url);
const pkcs11js = require('pkcs11js') as typeof Pkcs11js;
const [modulePath, serial, pin, ckaIdHex, mech, seconds] = process.argv.slice(2) as [string, string, string, string, 'ecdsa' | 'rsa', string];

const p = new pkcs11js.PKCS11();
p.load(modulePath);
p.C_Initialize();
const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).serialNumber.trim() === serial)!;
const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
p.C_Login(session, pkcs11js.CKU_USER, pin);
p.C_FindObjectsInit(session, [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
  { type: pkcs11js.CKA_ID, value: Buffer.from(ckaIdHex, 'hex') },
]);
const [key] = p.C_FindObjects(session, 1);
p.C_FindObjectsFinal(session);
const data = Buffer.from('benchmark data to sign, the same for both sides');
// The one-shot digest Custos uses (pkcs11/operations.ts), so both sides hash alike.
const oneShot = (cryptoNs as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;
const out = Buffer.alloc(512);
const cpu0 = process.cpuUsage();
const deadline = performance.now() + Number(seconds) * 1000;
let n = 0;
while (performance.now() < deadline) {
  if (mech === 'ecdsa') {
    // The same work Custos does: hash in software, raw CKM_ECDSA on the token.
    p.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key!);
    p.C_Sign(session, oneShot ? oneShot('sha256', data, 'buffer') : createHash('sha256').update(data).digest(), out);
  } else {
    p.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key!);
    p.C_Sign(session, data, out);
  }
  n++;
}
const elapsed = Number(seconds);
const cpu = process.cpuUsage(cpu0);
// CPU time per signature does not depend on how busy the rest of the machine is; the rate does.
process.stdout.write(JSON.stringify({ perSecond: n / elapsed, cpuMicrosPerSignature: (cpu.user + cpu.system) / n }) + '\n');
p.C_Logout(session);
p.C_CloseSession(session);
p.C_Finalize();

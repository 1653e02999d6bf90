import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMUM_KDF_COST } from '../crypto/passphrase-kdf.js';
import { makeCa, makeIssued, type MadeCert } from '../certs/openssl-chain.test-support.js';
import { tempDir } from '../testing/temp.js';
import { UnlockedVault } from '../vault/vault.js';
import { fetchChain, fetchChains } from './fetch-chain.js';
import { recordScan, recordTlsScan } from './record-scan.js';
import { parseTarget, parseTargets } from './targets.js';

let dir: { path: string; cleanup: () => void };
let v: UnlockedVault;
let root: MadeCert;
let inter: MadeCert;
let leaf: MadeCert;
const servers: Array<Server | NetServer> = [];
let tlsPort = 0;
let tlsPort2 = 0;
let silentPort = 0;
let closedPort = 0;
let connections = 0;

const sockets = new Set<Socket>();
const listen = (s: Server | NetServer) =>
  new Promise<number>((r) => {
    s.on('connection', (sock: Socket) => sockets.add(sock));
    s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port));
  });

beforeAll(async () => {
  dir = tempDir();
  v = await UnlockedVault.create(join(dir.path, 'v'), { adminName: 'alice', passphrase: 'alice long passphrase', kdfCost: MINIMUM_KDF_COST });
  root = makeCa(dir.path, 'tls-root');
  inter = makeIssued(dir.path, 'tls-inter', root, { ext: 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' });
  leaf = makeIssued(dir.path, 'tls-leaf', inter);
  // Two servers presenting the same leaf (one key behind two endpoints), with its intermediate.
  for (let i = 0; i < 2; i++) {
    const s = createServer({ key: leaf.keyPem, cert: leaf.pem + inter.pem }, (sock) => sock.end());
    s.on('connection', () => connections++);
    servers.push(s);
    const port = await listen(s);
    if (i === 0) tlsPort = port;
    else tlsPort2 = port;
  }
  // A server that accepts TCP and never answers the handshake, and a port nobody listens on.
  const silent = createNetServer(() => undefined);
  servers.push(silent);
  silentPort = await listen(silent);
  const probe = createNetServer();
  closedPort = await listen(probe);
  await new Promise<void>((r) => probe.close(() => r()));
});
afterAll(async () => {
  for (const sock of sockets) sock.destroy();
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  v.close();
  dir.cleanup();
});

describe('TLS targets', () => {
  it('parses host:port and [v6]:port, and refuses anything else', () => {
    expect(parseTarget('127.0.0.1:443')).toMatchObject({ host: '127.0.0.1', port: 443, label: '127.0.0.1:443' });
    expect(parseTarget('Example.ORG:8443')).toMatchObject({ host: 'Example.ORG', label: 'example.org:8443' });
    expect(parseTarget('[::1]:443')).toMatchObject({ host: '::1', label: '[::1]:443' });
    for (const bad of ['example.org', 'example.org:0', 'example.org:65536', '::1:443', 'a b:1', 'http://x:1', 'x:1/path', '-bad-.org:1', '']) {
      expect(() => parseTarget(bad), bad).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
    }
    expect(parseTargets(['a.example:1', 'A.example:1'])).toHaveLength(1);
    expect(() => parseTargets([])).toThrow();
  });
});

describe('TLS scanning', () => {
  it('records the presented chain with tls sightings and links the leaf key into the inventory', async () => {
    const targets = parseTargets([`127.0.0.1:${tlsPort}`, `127.0.0.1:${tlsPort2}`]);
    const results = await fetchChains(targets, { timeoutMs: 5000 });
    expect(results.every((r) => r.ok)).toBe(true);
    const first = results[0]!;
    if (!first.ok) throw new Error('unreachable');
    expect(first.chain.map((d) => d.equals(leaf.der))).toEqual([true, false]);
    expect(first.chain[1]!.equals(inter.der)).toBe(true);
    const outcomes = recordTlsScan(v, results, 'alice');
    expect(outcomes.map((o) => o.outcome)).toEqual(['recorded', 'recorded']);
    expect(outcomes[0]!.certificates.map((c) => c.trust)).toEqual(['private', 'private']);
    expect(v.db.prepare('SELECT DISTINCT trust FROM certificates').all()).toEqual([{ trust: 'private' }]);
    expect(v.db.prepare("SELECT COUNT(*) AS n FROM audit_events WHERE operation = 'tls.scan'").get()).toEqual({ n: 1 });
    expect(outcomes[0]!.leafKeyCreated).toBe(true);
    expect(outcomes[1]!.leafKeyId).toBe(outcomes[0]!.leafKeyId);
    const sightings = v.db.prepare("SELECT s.location, s.chain_position AS pos, c.subject FROM certificate_sightings s JOIN certificates c ON c.id = s.certificate_id WHERE s.kind = 'tls' ORDER BY s.location, s.chain_position").all();
    expect(sightings).toEqual([
      { location: `127.0.0.1:${tlsPort}`, pos: 0, subject: 'CN=tls-leaf' },
      { location: `127.0.0.1:${tlsPort}`, pos: 1, subject: 'CN=tls-inter' },
      { location: `127.0.0.1:${tlsPort2}`, pos: 0, subject: 'CN=tls-leaf' },
      { location: `127.0.0.1:${tlsPort2}`, pos: 1, subject: 'CN=tls-inter' },
    ].sort((a, b) => a.location.localeCompare(b.location) || a.pos - b.pos));
    const key = v.db.prepare('SELECT origin, store, fingerprint FROM keys WHERE id = ?').get(outcomes[0]!.leafKeyId) as { origin: string; store: string; fingerprint: string };
    expect(key).toMatchObject({ origin: 'discovered', store: 'external' });
    expect(v.db.prepare('SELECT COUNT(*) AS n FROM certificates WHERE spki_fingerprint = ?').get(key.fingerprint)).toEqual({ n: 1 });
  });

  it('reports a silent endpoint as a timeout and a closed port as refused, and contacts nothing else', async () => {
    const before = connections;
    const [silent, closed] = await fetchChains(parseTargets([`127.0.0.1:${silentPort}`, `127.0.0.1:${closedPort}`]), { timeoutMs: 300 });
    expect(silent).toMatchObject({ ok: false, reason: 'timeout' });
    expect(closed).toMatchObject({ ok: false, reason: 'refused' });
    expect(connections).toBe(before);
    expect(recordScan(v, [silent!, closed!]).map((o) => o.outcome)).toEqual(['failed', 'failed']);
    const one = await fetchChain(parseTarget(`127.0.0.1:${tlsPort}`));
    expect(one.ok).toBe(true);
    expect(connections).toBe(before + 1);
  });
});

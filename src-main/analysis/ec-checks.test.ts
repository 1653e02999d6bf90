import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CURVES, multiplyPoint, checkCurveAllowed, checkEcPublicPoint, checkEd25519PublicKey, decodeEd25519Point, normalizeCurveName, type WeierstrassCurveName } from './ec-checks.js';
import { modPow } from './bigint-math.js';

function uncompressedPoint(curve: WeierstrassCurveName): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const jwk = publicKey.export({ format: 'jwk' });
  return new Uint8Array(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]));
}

// Base points from SEC 2 v2 / FIPS 186-5.
const GENERATORS: Record<WeierstrassCurveName, { x: bigint; y: bigint }> = {
  'P-256': {
    x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  'P-384': {
    x: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    y: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
  'P-521': {
    x: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    y: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
  },
};

function ed25519Key(): Uint8Array {
  const { publicKey } = generateKeyPairSync('ed25519');
  return new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
}

describe('curve allowlist', () => {
  it('allows the four curves under their usual names and refuses others', () => {
    for (const n of ['P-256', 'prime256v1', 'secp384r1', 'P-521', 'Ed25519', '1.3.101.112']) expect(checkCurveAllowed(n)).toEqual([]);
    expect(normalizeCurveName('secp256r1')).toBe('P-256');
    for (const n of ['secp256k1', 'brainpoolP256r1', 'Ed448', 'P-192']) expect(checkCurveAllowed(n)[0]).toMatchObject({ check: 'ec-curve', severity: 'error' });
  });
});

describe('NIST curve points', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    it(`${curve}: Node-generated points pass; tampered ones fail`, () => {
      for (let i = 0; i < 3; i++) expect(checkEcPublicPoint(curve, uncompressedPoint(curve))).toEqual([]);
      const pt = uncompressedPoint(curve);
      const size = (pt.length - 1) / 2;
      const tamperedY = Uint8Array.from(pt);
      tamperedY[pt.length - 1]! ^= 1;
      expect(checkEcPublicPoint(curve, tamperedY)[0]).toMatchObject({ check: 'ec-point', severity: 'error' });
      const tamperedX = Uint8Array.from(pt);
      tamperedX[size]! ^= 0x10;
      expect(checkEcPublicPoint(curve, tamperedX)[0]?.check).toBe('ec-point');
      // Wrong encodings: compressed prefix, truncated, infinity, coordinate >= p.
      expect(checkEcPublicPoint(curve, Uint8Array.from([2, ...pt.subarray(1, 1 + size)]))).toHaveLength(1);
      expect(checkEcPublicPoint(curve, pt.subarray(0, pt.length - 1))).toHaveLength(1);
      expect(checkEcPublicPoint(curve, Uint8Array.of(0))).toHaveLength(1);
      const big = Uint8Array.from(pt);
      big.fill(0xff, 1, 1 + size);
      expect(checkEcPublicPoint(curve, big)).toHaveLength(1);
    });
  }
});

describe('NIST curve arithmetic (what the subgroup test relies on)', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    it(`${curve}: d G equals Node's public key, n Q is infinity, (n - 1) Q is -Q`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const big = (s: string) => BigInt(`0x${Buffer.from(s, 'base64url').toString('hex')}`);
      const priv = privateKey.export({ format: 'jwk' });
      const pub = publicKey.export({ format: 'jwk' });
      const G = uncompressedPoint(curve); // any point works as a base; use a fresh public point
      const size = (G.length - 1) / 2;
      const gx = big(Buffer.from(G.subarray(1, 1 + size)).toString('base64url'));
      const gy = big(Buffer.from(G.subarray(1 + size)).toString('base64url'));
      const { n, p } = CURVES[curve];
      expect(multiplyPoint(curve, gx, gy, n)).toBeNull();
      expect(multiplyPoint(curve, gx, gy, n - 1n)).toEqual({ x: gx, y: p - gy });
      // The standard base point, from Node's own key: Q = d G.
      const base = GENERATORS[curve];
      expect(multiplyPoint(curve, base.x, base.y, big(priv.d!))).toEqual({ x: big(pub.x!), y: big(pub.y!) });
    });
  }
});

describe('Ed25519 points', () => {
  const p = (1n << 255n) - 19n;
  const le = (v: bigint, sign = 0) => {
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
    out[31]! |= sign << 7;
    return out;
  };

  it('Node-generated keys pass', () => {
    for (let i = 0; i < 5; i++) expect(checkEd25519PublicKey(ed25519Key())).toEqual([]);
  });

  it('rejects an encoding whose y gives no x (tampered coordinate), checked by Euler\'s criterion', () => {
    const d = (((-121665n * modPow(121666n, p - 2n, p)) % p) + p) % p;
    const key = ed25519Key();
    let rejected = 0;
    // About half of all y have no x: with a random key, 8 fixed tries all landed on squares once in
    // 256 runs (a CI flake). Go on until four rejections, so that never happens in practice.
    for (let delta = 1; delta <= 255 && rejected < 4; delta++) {
      const t = Uint8Array.from(key);
      t[0] = (t[0]! + delta) & 0xff;
      const y = BigInt(`0x${Buffer.from(t).reverse().toString('hex')}`) & ((1n << 255n) - 1n);
      const x2 = ((y * y - 1n) * modPow(d * y * y + 1n, p - 2n, p)) % p;
      const isSquare = x2 === 0n || modPow((x2 + p) % p, (p - 1n) / 2n, p) === 1n;
      expect(decodeEd25519Point(t) !== null, `delta ${delta}`).toBe(isSquare);
      if (!isSquare) {
        expect(checkEd25519PublicKey(t)[0]).toMatchObject({ check: 'ed25519-point', severity: 'error' });
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('rejects non-canonical y, x = 0 with the sign bit, and small-order points', () => {
    expect(checkEd25519PublicKey(le(p + 2n))[0]?.check).toBe('ed25519-point');
    expect(checkEd25519PublicKey(le(1n, 1))[0]?.check).toBe('ed25519-point');
    expect(checkEd25519PublicKey(new Uint8Array(31))[0]?.check).toBe('ed25519-point');
    // Identity (order 1), (0, -1) (order 2), (+-sqrt(-1), 0) (order 4).
    for (const enc of [le(1n), le(p - 1n), le(0n), le(0n, 1)]) expect(checkEd25519PublicKey(enc)[0]).toMatchObject({ check: 'ed25519-small-order', severity: 'error' });
  });

  it('warns about a key with a torsion component', () => {
    // A valid key plus the order-2 point (0, -1) is (-x, -y): still on the curve, not in the subgroup.
    const pt = decodeEd25519Point(ed25519Key())!;
    const negY = p - pt.y;
    const negX = (p - pt.x) % p;
    expect(checkEd25519PublicKey(le(negY, Number(negX & 1n)))[0]).toMatchObject({ check: 'ed25519-torsion', severity: 'warning' });
  });
});

import { KMIP_USAGE as U } from '../../src-shared/lifecycle.js';
import type { PolicyKey } from './model.js';

/** A small known inventory for the policy tests (test-only helper). */

export const SIGN = U.Sign | U.Verify;

export function key(over: Partial<PolicyKey> & Pick<PolicyKey, 'id'>): PolicyKey {
  return {
    name: over.id,
    algorithm: 'rsa-2048',
    family: 'rsa',
    size: 2048,
    curve: null,
    state: 'active',
    store: 'vault',
    extractable: false,
    usageMask: SIGN,
    purpose: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    activationDate: null,
    protectStopAt: null,
    processStopAt: null,
    ...over,
  };
}

export const INVENTORY: PolicyKey[] = [
  key({ id: 'rsa-sign', activationDate: '2025-06-01T00:00:00.000Z' }),
  key({ id: 'p256-tls', algorithm: 'ec-p256', family: 'ec', size: 256, curve: 'P-256', purpose: 'tls-server', activationDate: '2026-01-15T00:00:00.000Z' }),
  key({
    id: 'aes-data',
    algorithm: 'aes-256',
    family: 'aes',
    size: 256,
    usageMask: U.Encrypt | U.Decrypt,
    purpose: 'data-encryption',
    activationDate: '2025-01-01T00:00:00.000Z',
    protectStopAt: '2026-12-31T00:00:00.000Z',
  }),
  key({
    id: 'ca-root-vault',
    algorithm: 'rsa-4096',
    size: 4096,
    usageMask: U.Sign | U.Verify | U.CertificateSign | U.CRLSign,
    purpose: 'ca-root',
    extractable: true,
    activationDate: '2026-06-01T00:00:00.000Z',
  }),
  key({ id: 'hmac', algorithm: 'hmac-sha256', family: 'hmac', size: 256, usageMask: U.MACGenerate | U.MACVerify, activationDate: '2026-03-01T00:00:00.000Z' }),
  key({
    id: 'rsa1024-legacy',
    algorithm: 'rsa-1024',
    size: 1024,
    state: 'deactivated',
    createdAt: '2012-01-01T00:00:00.000Z',
    activationDate: '2012-01-01T00:00:00.000Z',
    protectStopAt: '2013-12-31T00:00:00.000Z',
  }),
  key({ id: 'ed-destroyed', algorithm: 'ed25519', family: 'eddsa', size: 255, curve: 'Ed25519', state: 'destroyed', activationDate: '2020-01-01T00:00:00.000Z' }),
];

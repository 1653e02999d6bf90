import { existsSync } from 'node:fs';
import type { TokenSummary } from '../../src-shared/contract.js';
import { TokenService } from '../pkcs11/service.js';
import type { ModuleToken } from '../pkcs11/service.js';

/**
 * The PKCS#11 modules Custos may load, from the host's environment — not from the vault, because
 * a module runs inside Custos and must be trusted before any vault is open. Debian's SoftHSM2 and
 * OpenSC modules when installed, plus the absolute paths in CUSTOS_PKCS11_MODULES (colon-separated)
 * for a vendor HSM.
 */
export const WELL_KNOWN_MODULES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
  '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so',
];

export function moduleAllowlist(env: Record<string, string | undefined> = process.env): string[] {
  const extra = (env.CUSTOS_PKCS11_MODULES ?? '').split(':').map((s) => s.trim()).filter(Boolean);
  return [...new Set([...WELL_KNOWN_MODULES.filter((p) => existsSync(p)), ...extra])];
}

export function createTokenService(options: { allowlist?: string[]; mode?: 'worker' | 'inline'; workerScript?: string } = {}): TokenService {
  return new TokenService({ allowlist: options.allowlist ?? moduleAllowlist(), mode: options.mode, workerScript: options.workerScript });
}

export function tokenSummary(t: ModuleToken): TokenSummary {
  return {
    module: t.module,
    slotId: t.slotId,
    label: t.label,
    serial: t.serial,
    manufacturer: t.manufacturer,
    model: t.model,
    initialized: t.flags.tokenInitialized,
    loginRequired: t.flags.loginRequired,
    protectedAuthenticationPath: t.flags.protectedAuthenticationPath,
    userPin: t.userPin,
    loggedIn: t.loggedIn,
  };
}

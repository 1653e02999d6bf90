/** The PKCS#11 layer of the core. See README.md. */
export { ModuleAllowlist } from './allowlist.js';
export { TokenClient, type TokenClientOptions } from './client.js';
export { mapPkcs11Error, pkcs11ReturnValue, type Pkcs11ErrorContext } from './errors.js';
export { TOKEN_ALGORITHM_SPECS, type TokenAlgorithmSpec } from './algorithms.js';
export { KMIP_USAGE, usageMaskOf, usageNames, usageTemplates, usageMaskFromAttributes } from './usage.js';
export { ecdsaDerToRaw, ecdsaRawToDer } from './spki.js';
export { TokenService, type ModuleStatus, type ModuleToken, type PollResult, type SlotEvent, type TokenServiceOptions } from './service.js';
export { resolveWorkerScript, WORKER_FILE } from './worker-path.js';
export type { Pkcs11Api } from './protocol.js';
export * from './types.js';

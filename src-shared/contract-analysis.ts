/**
 * Channels for weak-key analysis, findings, TLS scanning, certificate trust and CBOM (issue 7).
 * Merged into `channels` by contract.ts. This file must not import contract.ts (it is imported
 * by it); shared schemas live in the small modules beside it (keys.ts, users.ts, …).
 */
export const analysisChannels = {} as const;

/**
 * Channels for dashboards, the inventory query, demo data and reports (issue 8). Merged into `channels` by contract.ts.
 * This file must not import contract.ts (it is imported by it); shared schemas live in the
 * small modules beside it (keys.ts, users.ts, …).
 */
export const inventoryChannels = {} as const;

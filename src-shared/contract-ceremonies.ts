/**
 * Channels for ceremonies, backups and their wizards (issue 6). Merged into `channels` by contract.ts.
 * This file must not import contract.ts (it is imported by it); shared schemas live in the
 * small modules beside it (keys.ts, users.ts, …).
 */
export const ceremoniesChannels = {} as const;

/**
 * Schema version 12: the lifecycle work that runs at unlock and every minute (KeyService.applyDue)
 * reads only the keys it may act on. At a million keys two of its questions scanned: "which keys
 * rotate by themselves" walked every active key (~1 s) and "which versions passed their
 * process-stop date" walked every version (~0.8 s), holding the core's queue each minute.
 * Both indexes are partial: only keys with automatic rotation, only versions with a process-stop
 * date (the dates the query compares, in order).
 */
export const version = 12;

export const sql = `
CREATE INDEX keys_auto_rotation ON keys (state) WHERE rotation = 'auto';
CREATE INDEX key_versions_by_process_stop ON key_versions (process_stop_at) WHERE process_stop_at IS NOT NULL;
`;

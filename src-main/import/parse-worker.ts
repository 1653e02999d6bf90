import { parentPort } from 'node:worker_threads';
import { wipe } from '../crypto/wipe.js';
import { parseFileContents, type ParseResult } from './parse-file.js';

/**
 * The parse worker: reads one file's bytes at a time. It runs in its own thread so that the
 * importer can end it when a file takes longer than the per-file bound (a crafted file can ask a
 * KDF for any number of rounds), without stopping the core.
 */
export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  passphrase?: string;
}
export interface ParseReply {
  id: number;
  result: ParseResult;
}

parentPort?.on('message', (m: ParseRequest) => {
  void parseFileContents(m.bytes, m.passphrase).then((result) => {
    parentPort!.postMessage({ id: m.id, result } satisfies ParseReply);
    // postMessage copied the result; the worker's own copies of private keys go now.
    for (const item of result.items) if (item.type === 'private-key') wipe(item.pkcs8);
  });
});

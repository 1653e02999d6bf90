import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared conformance vectors live beside the project, never copied into it. */
export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'vectors');

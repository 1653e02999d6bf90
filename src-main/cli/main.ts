import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAppVersion } from '../platform/app-version.js';
import { processIo } from './io.js';
import { runCli } from './run.js';

const version = readAppVersion(dirname(fileURLToPath(import.meta.url)));
process.exitCode = await runCli(process.argv.slice(2), processIo, version);

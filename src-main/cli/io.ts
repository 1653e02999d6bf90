import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** What the CLI touches of the outside world, so tests can run it in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Reads all of standard input (for `--passphrase-file -`). */
  readStdin: () => Promise<string>;
  /** Asks at the terminal; hidden input for secrets. Absent when there is no terminal. */
  prompt?: (question: string, hidden: boolean) => Promise<string>;
}

/** Reads one line from the terminal without echoing it when hidden. */
function promptTerminal(question: string, hidden: boolean): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer);
    });
    muted = hidden;
  });
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  prompt: process.stdin.isTTY ? promptTerminal : undefined,
};

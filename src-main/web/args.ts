/** Command line of the browser host (out/main/web.js). */
export interface WebArgs {
  vault: string | undefined;
  port: number;
  open: boolean;
  help: boolean;
}

export const WEB_USAGE = `Usage: node out/main/web.js [--vault DIR] [--port N] [--open | --no-open]

Serves the Custos console to a browser on 127.0.0.1.

  --vault DIR   vault folder (default: $CUSTOS_VAULT, else the per-user app-data folder)
  --port N      TCP port on 127.0.0.1 (default 0: any free port)
  --open        open the console in Chromium (/usr/bin/chromium --app=…) when it is installed
  --no-open     only print the address (the default)
  --help        show this text`;

export class ArgsError extends Error {}

export function parseWebArgs(argv: readonly string[]): WebArgs {
  const out: WebArgs = { vault: undefined, port: 0, open: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ArgsError(`${name} needs a value.`);
      i++;
      return next;
    };
    switch (name) {
      case '--vault': {
        const v = value();
        if (v === '') throw new ArgsError('--vault needs a folder.');
        out.vault = v;
        break;
      }
      case '--port': {
        const v = value();
        if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new ArgsError(`--port takes a number from 0 to 65535, not ${JSON.stringify(v)}.`);
        out.port = Number(v);
        break;
      }
      case '--open':
        if (inline !== undefined) throw new ArgsError('--open takes no value.');
        out.open = true;
        break;
      case '--no-open':
        if (inline !== undefined) throw new ArgsError('--no-open takes no value.');
        out.open = false;
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      default:
        throw new ArgsError(`Unknown argument ${JSON.stringify(arg)}.`);
    }
  }
  return out;
}

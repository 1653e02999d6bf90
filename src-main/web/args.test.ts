import { describe, expect, it } from 'vitest';
import { ArgsError, parseWebArgs } from './args.js';

describe('parseWebArgs', () => {
  it('has quiet defaults', () => {
    expect(parseWebArgs([])).toEqual({ vault: undefined, port: 0, open: false, help: false });
  });
  it('reads --vault, --port, --open / --no-open in both spellings', () => {
    expect(parseWebArgs(['--vault', '/v', '--port', '8080', '--open'])).toEqual({ vault: '/v', port: 8080, open: true, help: false });
    expect(parseWebArgs(['--vault=/v', '--port=0', '--open', '--no-open'])).toEqual({ vault: '/v', port: 0, open: false, help: false });
    expect(parseWebArgs(['--help']).help).toBe(true);
  });
  it.each([['--port', 'x'], ['--port', '70000'], ['--port'], ['--vault'], ['--vault', '--open'], ['--bogus'], ['--open=yes'], ['--port', '-1']])('refuses %j', (...argv) => {
    expect(() => parseWebArgs(argv)).toThrow(ArgsError);
  });
});

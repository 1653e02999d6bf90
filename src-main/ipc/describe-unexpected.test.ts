import { describe, expect, it } from 'vitest';
import { describeUnexpected } from './dispatch.js';

describe('the log line for an unexpected failure', () => {
  it('names the channel, the error class and where it was thrown, never the message', () => {
    const secret = 'correct horse battery staple';
    const line = describeUnexpected('vault.unlock', new TypeError(`bad input "${secret}"`));
    expect(line).toMatch(/^custos: unexpected TypeError on vault\.unlock\n\s+at /);
    expect(line).not.toContain(secret);
  });

  it('says only the type of something thrown that is not an Error', () => {
    expect(describeUnexpected('keys.sign', 'PIN 1234')).toBe('custos: unexpected string thrown on keys.sign');
  });
});

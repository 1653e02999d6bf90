import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BASE64_CHARS } from '../../src-shared/contract-discovery';
import { base64Chars, itemsText, mergeResults, needsPassphrase, parsePathList, summarize, uploadBatches, uploadName, withPickedPaths } from './import-view';

describe('import view', () => {
  it('cuts uploads into calls under the bridge limit and sets aside files too large to send', () => {
    const big = 700_000; // 933,336 base64 characters: more than one call takes
    const { batches, tooLarge } = uploadBatches([1000, 400_000, 400_000, big, 10]);
    expect(tooLarge).toEqual([3]);
    expect(batches).toEqual([[0, 1], [2, 4]]);
    for (const b of batches) expect(b.reduce((n, i) => n + base64Chars([1000, 400_000, 400_000, big, 10][i]!), 0)).toBeLessThanOrEqual(MAX_UPLOAD_BASE64_CHARS);
  });

  it('never puts more than the contract allows in one call', () => {
    expect(uploadBatches(Array(600).fill(10)).batches.map((b) => b.length)).toEqual([256, 256, 88]);
  });

  it('summarises counts in words', () => {
    expect(summarize({ imported: 2, duplicate: 1, 'password-needed': 1 })).toBe('4 files: 2 imported, 1 already known, 1 passphrase needed.');
    expect(summarize({})).toBe('0 files: nothing found.');
  });

  it('a retry with a passphrase replaces the row of that file', () => {
    const first = { files: [{ path: '/a', outcome: 'password-needed' as const, reason: 'x', format: 'PKCS#12', items: [] }, { path: '/b', outcome: 'imported' as const, reason: null, format: 'PEM', items: [] }], counts: { imported: 1, duplicate: 0, unsupported: 0, malformed: 0, 'password-needed': 1, 'wrong-password': 0 }, truncated: 0 };
    const retry = { files: [{ path: '/a', outcome: 'imported' as const, reason: null, format: 'PKCS#12', items: [] }], counts: { imported: 1, duplicate: 0, unsupported: 0, malformed: 0, 'password-needed': 0, 'wrong-password': 0 }, truncated: 0 };
    const merged = mergeResults(first, retry);
    expect(merged.files.map((f) => [f.path, f.outcome])).toEqual([['/a', 'imported'], ['/b', 'imported']]);
    expect(merged.counts.imported).toBe(2);
    expect(merged.counts['password-needed']).toBe(0);
  });

  it('reads a path list and knows which rows a passphrase opens', () => {
    expect(parsePathList(' /a \n\n/b\n/a\r\n')).toEqual(['/a', '/b']);
    expect(needsPassphrase({ outcome: 'wrong-password' })).toBe(true);
    expect(needsPassphrase({ outcome: 'malformed' })).toBe(false);
    expect(itemsText({ path: 'x', outcome: 'imported', reason: null, format: null, items: [{ type: 'certificate', result: 'new', keyId: null, certificateId: null, fingerprint: null, label: null, note: null }, { type: 'private-key', result: 'refused', keyId: null, certificateId: null, fingerprint: null, label: null, note: null }] })).toBe('certificate (new), private key (refused)');
  });

  it('names files picked from a folder by their path inside it, in a form the contract accepts', () => {
    expect(uploadName('certs/web/www.pem')).toBe('certs › web › www.pem');
    expect(uploadName('a\\b\u0007.pem')).toBe('a › b.pem');
    expect(uploadName('x/'.repeat(200) + 'k.pem').length).toBe(255);
  });
});

describe('withPickedPaths', () => {
  it('adds the paths chosen in the desktop dialog after the typed ones, each once', () => {
    expect(withPickedPaths('/a\n  /b  \n', ['/b', '/c', '/c'])).toBe('/a\n/b\n/c');
    expect(withPickedPaths('', ['/only'])).toBe('/only');
    expect(withPickedPaths('/kept', [])).toBe('/kept');
  });
});

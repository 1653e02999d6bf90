import { describe, expect, it } from 'vitest';
import {
  BROWSER_MESSAGE_MAX,
  base64Length,
  base64ToBytes,
  bytesToBase64,
  concatBytes,
  decryptedName,
  encryptedName,
  fitsOneCall,
  formatBytes,
  signatureName,
  splitGcmFile,
} from './files';

describe('files', () => {
  it('round-trips bytes through base64, also past one chunk', () => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 31) % 256);
    const b64 = bytesToBase64(big);
    expect(b64.length).toBe(base64Length(big.length));
    expect(base64ToBytes(b64)).toEqual(big);
    expect(bytesToBase64(new TextEncoder().encode('hello'))).toBe('aGVsbG8=');
  });

  it('writes and reads AES-GCM files as IV ‖ ciphertext', () => {
    const iv = new Uint8Array(12).fill(7);
    const ct = new Uint8Array(20).fill(9);
    const file = concatBytes(iv, ct);
    expect(file.length).toBe(32);
    const parts = splitGcmFile(file)!;
    expect(parts.iv).toEqual(iv);
    expect(parts.ciphertext).toEqual(ct);
    expect(splitGcmFile(new Uint8Array(27))).toBeNull();
  });

  it('names results after the file', () => {
    expect(signatureName('report.pdf')).toBe('report.pdf.sig');
    expect(signatureName('C:\\temp\\a.txt')).toBe('a.txt.sig');
    expect(encryptedName('a.txt')).toBe('a.txt.enc');
    expect(decryptedName('a.txt.enc')).toBe('a.txt');
    expect(decryptedName('a.bin')).toBe('a.bin.dec');
    expect(decryptedName('.enc')).toBe('.enc.dec');
    expect(signatureName('\u0007')).toBe('file.sig');
  });

  it('knows what fits in one call', () => {
    expect(fitsOneCall('browser', [1000]).ok).toBe(true);
    const tooBig = fitsOneCall('browser', [BROWSER_MESSAGE_MAX]);
    expect(tooBig.ok).toBe(false);
    if (!tooBig.ok) {
      expect(tooBig.maxBytes).toBeGreaterThan(700_000);
      expect(fitsOneCall('browser', [tooBig.maxBytes]).ok).toBe(true);
    }
    expect(fitsOneCall('electron', [BROWSER_MESSAGE_MAX * 4]).ok).toBe(true);
    expect(fitsOneCall('electron', [17 * 1024 * 1024]).ok).toBe(false);
  });

  it('formats sizes', () => {
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });
});

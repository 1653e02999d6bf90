import { describe, expect, it } from 'vitest';
import { certificateFileName, checkSubject, csrFileName, mimeFor, parseDnsNames, publicKeyFileName } from './certificates';

describe('certificate form helpers', () => {
  it('reads DNS names separated by commas, spaces or lines', () => {
    expect(parseDnsNames('www.example.com, example.com\n*.api.example.com  WWW.example.com.')).toEqual({
      names: ['www.example.com', 'example.com', '*.api.example.com'],
      invalid: [],
    });
    expect(parseDnsNames('ok.example, bad_name.example, -x.example, a.*.example').invalid).toEqual(['bad_name.example', '-x.example', 'a.*.example']);
    expect(parseDnsNames('   ')).toEqual({ names: [], invalid: [] });
  });

  it('asks for a subject made of attributes', () => {
    expect(checkSubject('CN=www.example.com, O=Example')).toBeNull();
    expect(checkSubject('2.5.4.3=x')).toMatch(/attributes/);
    expect(checkSubject('www.example.com')).toMatch(/attributes/);
    expect(checkSubject('  ')).toMatch(/Type a subject/);
  });

  it('names files after the key, safely', () => {
    expect(publicKeyFileName('web tls/2026', 'pem')).toBe('web_tls_2026.pub.pem');
    expect(publicKeyFileName('web', 'jwk')).toBe('web.jwk.json');
    expect(publicKeyFileName('web', 'openssh')).toBe('web.pub');
    expect(csrFileName('../etc')).toBe('etc.csr.pem');
    expect(certificateFileName('...')).toBe('key.crt.pem');
    expect(mimeFor('a.jwk.json')).toBe('application/json');
  });
});

import { describe, expect, it } from 'vitest';
import { formatDistinguishedName, parseDistinguishedName } from './dn.js';

describe('subject distinguished names', () => {
  it('reads RFC 4514 text, most specific first, and encodes it C first', () => {
    const p = parseDistinguishedName('CN=Root CA 2026, O=Example, C=GB');
    expect(p.text).toBe('CN=Root CA 2026, O=Example, C=GB');
    expect(p.name.toString()).toBe('C=GB, O=Example, CN=Root CA 2026');
    expect(formatDistinguishedName(p.der)).toBe('CN=Root CA 2026, O=Example, C=GB');
  });

  it('normalises spacing and keyword case, keeps escapes, quotes and multi-valued RDNs', () => {
    expect(parseDistinguishedName('  cn = Root CA ,o=Example,c=GB ').text).toBe('CN=Root CA, O=Example, C=GB');
    const escaped = parseDistinguishedName('CN=Smith\\, John, O="Example, Ltd", C=GB');
    expect(escaped.name.getField('CN')).toEqual(['Smith, John']);
    expect(escaped.name.getField('O')).toEqual(['Example, Ltd']);
    expect(escaped.text).toBe('CN=Smith\\, John, O=Example\\, Ltd, C=GB');
    const multi = parseDistinguishedName('CN=Ops+OU=Platform, O=Example');
    expect(multi.name.toJSON()).toEqual([{ O: ['Example'] }, { CN: ['Ops'], OU: ['Platform'] }]);
    expect(parseDistinguishedName('2.5.4.3=By OID, DC=example, DC=org').name.getField('CN')).toEqual(['By OID']);
    expect(parseDistinguishedName('CN=Zürich Root, E=pki@example.org').name.getField('E')).toEqual(['pki@example.org']);
  });

  it.each([
    ['', /it is empty/],
    ['   ', /it is empty/],
    ['CN Root CA', /"CN Root CA" is not TYPE=value/],
    ['Root CA', /is not TYPE=value/],
    ['CN=a,,O=b', /empty component/],
    ['CN=a, O=b,', /empty component/],
    ['CN=', /CN has an empty value/],
    ['CN=""', /CN has an empty value/],
    ['XX=foo', /"XX" is not an attribute type Custos knows/],
    ['CN=a, C=gb', /two-letter ISO 3166 code in capitals/],
    ['CN=a, C=GBR', /two-letter/],
    ['CN="unclosed, O=b', /quote is not closed/],
    ['CN=a\\', /backslash escapes nothing/],
    ['/C=GB/O=Example/CN=Root', /OpenSSL "\/C=GB\/O=…" form/],
    ['CN=line\nbreak', /control characters/],
    [`CN=${'x'.repeat(65)}`, /longer than 64 characters/],
    ['=value', /is not TYPE=value/],
  ])('refuses %j with a clear error', (dn, why) => {
    expect(() => parseDistinguishedName(dn)).toThrow(why);
    try {
      parseDistinguishedName(dn);
    } catch (e) {
      expect(e).toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(/^The subject .* is not a valid distinguished name: .*Write it like "CN=Root CA 2026, O=Example, C=GB"\.$/s) });
    }
  });
});

import 'reflect-metadata';
import { Name } from '@peculiar/x509';
import { CustosError } from '../errors.js';

/**
 * Distinguished names as people type them: RFC 4514 strings such as
 * "CN=Root CA 2026, O=Example, C=GB". As RFC 4514 §2.1 says, the string lists the RDNs from the
 * most specific to the least, the reverse of their order in the DER Name; so that string is encoded
 * C, O, CN, the way CAs issue names, and `openssl x509 -nameopt RFC2253` prints it back as typed.
 *
 * @peculiar/x509 parses each attribute (quoting, backslash escapes, '+' for multi-valued RDNs, #hex
 * values) and picks the string types. Its parser is lenient — it skips text it cannot read — so a
 * small structural scan runs first and the two must agree, or the name is refused.
 */

/** Attribute keywords accepted, with the longest value X.520 / RFC 5280 Appendix A allows. */
const ATTRIBUTES: Record<string, { max: number; label: string }> = {
  CN: { max: 64, label: 'common name' },
  O: { max: 64, label: 'organization' },
  OU: { max: 64, label: 'organizational unit' },
  C: { max: 2, label: 'country' },
  L: { max: 128, label: 'locality' },
  ST: { max: 128, label: 'state or province' },
  DC: { max: 63, label: 'domain component' },
  E: { max: 255, label: 'email address' },
  SN: { max: 64, label: 'surname' },
  G: { max: 64, label: 'given name' },
  I: { max: 64, label: 'initials' },
  T: { max: 64, label: 'title' },
};
const KEYWORDS = Object.keys(ATTRIBUTES).join(', ');

export interface ParsedName {
  /** DER of the X.501 Name, RDNs in encoding order. */
  der: Uint8Array;
  /** The library's Name, for the certificate generators. */
  name: Name;
  /** RFC 4514 text, most specific RDN first, normalised ("CN=Root CA 2026, O=Example, C=GB"). */
  text: string;
}

function bad(dn: string, why: string): CustosError {
  return new CustosError('E_INPUT', `The subject "${dn}" is not a valid distinguished name: ${why}. Write it like "CN=Root CA 2026, O=Example, C=GB".`);
}

/** Splits on `sep` where it is neither escaped with a backslash nor inside double quotes. */
function splitUnescaped(text: string, sep: string): string[] | null {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (i + 1 >= text.length) return null; // a trailing lone backslash
      current += ch + text[i + 1];
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (ch === sep && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted) return null;
  parts.push(current);
  return parts;
}

/**
 * Parses a subject DN. Throws CustosError E_INPUT with a message naming the problem for: an empty
 * name, the OpenSSL "/C=GB/O=…" form, a component without "=", an unknown attribute keyword, an
 * empty value, unbalanced quotes, a country that is not two letters, a value over its length limit,
 * and control characters.
 */
export function parseDistinguishedName(dn: string): ParsedName {
  const input = dn.trim();
  if (!input) throw bad(dn, 'it is empty');
  if (input.startsWith('/')) throw bad(dn, 'the OpenSSL "/C=GB/O=…" form is not accepted; list the RDNs most specific first, separated by commas');
  if (/\p{Cc}/u.test(input)) throw bad(dn, 'it contains control characters');
  const rdnTexts = splitUnescaped(input, ',');
  if (!rdnTexts) throw bad(dn, 'a quote is not closed or a backslash escapes nothing');

  // The structural scan: each RDN is one or more TYPE=value joined by '+'.
  const rdns: string[][] = [];
  for (const rdnText of rdnTexts) {
    const atvs = splitUnescaped(rdnText, '+')!;
    const normalised: string[] = [];
    for (const atv of atvs) {
      const m = /^\s*([A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)\s*=\s*(.*?)\s*$/s.exec(atv);
      if (!m) {
        if (!atv.trim()) throw bad(dn, 'it has an empty component (two separators in a row, or one at the end)');
        throw bad(dn, `"${atv.trim()}" is not TYPE=value`);
      }
      const type = /^\d/.test(m[1]!) ? m[1]! : m[1]!.toUpperCase();
      if (!/^\d/.test(type) && !ATTRIBUTES[type]) throw bad(dn, `"${m[1]}" is not an attribute type Custos knows (use one of ${KEYWORDS}, or a dotted OID)`);
      const value = m[2]!;
      if (!value || value === '""') throw bad(dn, `${type} has an empty value`);
      normalised.push(`${type}=${value}`);
    }
    rdns.push(normalised);
  }

  // RFC 4514: the first RDN in the string is the last one in the DER Name.
  const encodingOrder = [...rdns].reverse().map((rdn) => rdn.join('+')).join(', ');
  let name: Name;
  try {
    name = new Name(encodingOrder);
  } catch (e) {
    throw new CustosError('E_INPUT', `The subject "${dn}" could not be encoded as a distinguished name: ${(e as Error).message}.`, { cause: e });
  }

  // The library must have read exactly what the scan found, attribute for attribute.
  const json = name.toJSON();
  const libraryShape = json.map((rdn) => Object.values(rdn).reduce((n, values) => n + values.length, 0));
  const scanShape = [...rdns].reverse().map((rdn) => rdn.length);
  if (JSON.stringify(libraryShape) !== JSON.stringify(scanShape)) throw bad(dn, 'part of it could not be read');

  for (const rdn of json) {
    for (const [type, values] of Object.entries(rdn)) {
      const rule = ATTRIBUTES[type];
      for (const value of values) {
        if (value.startsWith('#')) continue; // a BER-encoded value given in hex: taken as is
        if (!value.trim()) throw bad(dn, `${type} has an empty value`);
        if (type === 'C' && !/^[A-Z]{2}$/.test(value)) throw bad(dn, `the country (C) must be a two-letter ISO 3166 code in capitals, not "${value}"`);
        if (rule && [...value].length > rule.max) throw bad(dn, `the ${rule.label} (${type}) is longer than ${rule.max} characters`);
      }
    }
  }

  return { der: new Uint8Array(name.toArrayBuffer()), name, text: formatDistinguishedName(name) };
}

/** RFC 4514 text of a Name, most specific RDN first (the reverse of the library's toString()). */
export function formatDistinguishedName(name: Name | Uint8Array): string {
  const n = name instanceof Name ? name : new Name(name);
  // toString() writes RDNs in encoding order, joined by ", " — with commas inside values escaped,
  // so splitting on unescaped ", " separators and reversing is exact.
  const parts = splitUnescaped(n.toString(), ',') ?? [n.toString()];
  return parts
    .map((p) => p.trim())
    .reverse()
    .join(', ');
}

/*
 * The certificates panel's form checks and file names, pure. The core parses the DN again
 * (src-main/certs) and says precisely what it does not accept.
 */

export type PublicFormat = 'pem' | 'jwk' | 'openssh';

export const PUBLIC_FORMATS: { value: PublicFormat; label: string }[] = [
  { value: 'pem', label: 'PEM (SPKI)' },
  { value: 'jwk', label: 'JWK' },
  { value: 'openssh', label: 'OpenSSH' },
];

/** A DNS name as a certificate's subjectAltName takes it: labels of letters, digits and hyphens, an optional leading wildcard. */
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** DNS names typed one per line or separated by commas or spaces; duplicates dropped. */
export function parseDnsNames(text: string): { names: string[]; invalid: string[] } {
  const names: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const name = raw.trim().replace(/\.$/, '').toLowerCase();
    if (!name) continue;
    if (name.length > 253 || !DNS_NAME.test(name)) invalid.push(raw.trim());
    else if (!names.includes(name)) names.push(name);
  }
  return { names, invalid };
}

/** A distinguished name such as "CN=www.example.com, O=Example Ltd, C=GB": at least one attribute. */
export function checkSubject(subject: string): string | null {
  const s = subject.trim();
  if (s.length < 3) return 'Type a subject, e.g. CN=www.example.com, O=Example Ltd, C=GB.';
  if (s.length > 1024) return 'A subject is at most 1024 characters.';
  if (!/^[A-Za-z][A-Za-z0-9.]*\s*=/.test(s)) return 'A subject is a list of attributes such as CN=www.example.com, O=Example Ltd.';
  return null;
}

/** A file name from a key name: letters, digits, dots, dashes and underscores only. */
function stem(keyName: string): string {
  const clean = keyName
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '');
  return clean || 'key';
}

export function publicKeyFileName(keyName: string, format: PublicFormat): string {
  const ext = format === 'pem' ? '.pub.pem' : format === 'jwk' ? '.jwk.json' : '.pub';
  return `${stem(keyName)}${ext}`;
}

export function csrFileName(keyName: string): string {
  return `${stem(keyName)}.csr.pem`;
}

export function certificateFileName(keyName: string): string {
  return `${stem(keyName)}.crt.pem`;
}

export function mimeFor(fileName: string): string {
  if (fileName.endsWith('.json')) return 'application/json';
  if (fileName.endsWith('.csr.pem')) return 'application/pkcs10';
  if (fileName.endsWith('.crt.pem')) return 'application/x-pem-file';
  return 'text/plain';
}

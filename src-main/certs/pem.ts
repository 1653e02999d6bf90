/** RFC 7468 textual encoding: base64 in 64-column lines between BEGIN/END labels, ending in a newline. */
export function toPemBlock(label: 'CERTIFICATE' | 'CERTIFICATE REQUEST' | 'PUBLIC KEY', der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

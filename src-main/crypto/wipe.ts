/** Overwrites buffers that held secrets. JavaScript strings cannot be wiped; keep secrets in Buffers. */
export function wipe(...buffers: Array<Uint8Array | null | undefined>): void {
  for (const b of buffers) if (b) b.fill(0);
}

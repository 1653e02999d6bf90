/** Prints benchmark rows as an aligned table: what, measured, and the anchor to compare with. */
export interface BenchRow {
  what: string;
  measured: string;
  anchor: string;
}

export function printTable(title: string, rows: BenchRow[]): void {
  const headers = ['benchmark', 'measured', 'goal / anchor'];
  const cells = rows.map((r) => [r.what, r.measured, r.anchor]);
  const w = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(w[i]!)).join(' | ') + ' |';
  console.log(`\n## ${title}\n`);
  console.log(line(headers));
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
  for (const c of cells) console.log(line(c));
}

export function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`;
}

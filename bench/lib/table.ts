import { type Result, isSkipped, met } from './result.js';

const fmt = (n: number): string => {
  const a = Math.abs(n);
  if (a >= 100_000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  return n.toFixed(2);
};

/** A plain-text table: one line per figure (median, min–max, spread, target), skips as notes. */
export function formatTable(results: readonly Result[]): string {
  const rows: string[][] = [['bench', 'figure', 'median', 'unit', 'min – max', 'spread', 'target']];
  for (const r of results) {
    if (isSkipped(r)) {
      rows.push([r.bench, r.name, 'SKIP', '', r.skipped, '', '']);
      continue;
    }
    const ok = met(r);
    const target = r.target ? `${r.target.op} ${fmt(r.target.value)} ${ok ? 'ok' : 'MISSED'}` : '';
    rows.push([
      r.bench,
      r.name,
      fmt(r.median),
      r.unit,
      `${fmt(r.min)} – ${fmt(r.max)}`,
      `${r.spreadPct.toFixed(0)}% (n=${r.samples.length})`,
      target,
    ]);
  }
  const widths = rows[0]!.map((_, c) =>
    Math.max(...rows.map((row) => (row[c] === undefined ? 0 : row[c]!.length))),
  );
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 2 || c === 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

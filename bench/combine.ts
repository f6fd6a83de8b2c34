/**
 * Combine several results.json files (several full runs of `npm run bench`) into one table: for
 * each figure, the median over the runs of the runs' medians, and their spread — the noise of the
 * machine from run to run.
 *   npx tsx bench/combine.ts run1.json run2.json run3.json
 */
import { readFileSync } from 'node:fs';
import { type Figure, type Result, figure, isSkipped } from './lib/result.js';
import { formatTable } from './lib/table.js';

interface Report {
  date: string;
  machine: { cpu: string; cores: number; loadAverage?: { start: number; end: number } };
  node: string;
  results: Result[];
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: tsx bench/combine.ts <results.json>…');
  process.exit(2);
}
const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Report);
const byKey = new Map<string, { first: Figure; medians: number[] }>();
const skipped = new Map<string, Result>();
for (const report of reports) {
  for (const r of report.results) {
    const key = `${r.bench}\0${r.name}`;
    if (isSkipped(r)) {
      skipped.set(key, r);
      continue;
    }
    const entry = byKey.get(key) ?? { first: r, medians: [] };
    entry.medians.push(r.median);
    byKey.set(key, entry);
  }
}
const combined: Result[] = [];
for (const [key, { first, medians }] of byKey) {
  skipped.delete(key);
  combined.push(
    figure(first.bench, first.name, first.unit, medians, {
      ...(first.target ? { target: first.target } : {}),
      ...(first.note ? { note: first.note } : {}),
    }),
  );
}
combined.push(...skipped.values());
console.log(formatTable(combined));
console.log(`\n${reports.length} runs (spread and n: across runs' medians)`);
for (const [i, r] of reports.entries()) {
  const load = r.machine.loadAverage
    ? `, load ${r.machine.loadAverage.start} → ${r.machine.loadAverage.end}`
    : '';
  console.log(`  ${files[i]}: ${r.date}, ${r.machine.cpu} × ${r.machine.cores}, node ${r.node}${load}`);
}

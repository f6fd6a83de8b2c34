/**
 * The benchmark runner: `npm run bench` (`--quick` for a tiny size, `--only name[,name]` for some).
 * Runs each benchmark in turn, prints a table and writes bench/results.json.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHMARKS, OPT_IN } from './benchmarks.js';
import { type Result, isSkipped, met } from './lib/result.js';
import { formatTable } from './lib/table.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
  },
});
const only = values.only?.flatMap((s) => s.split(',')).filter(Boolean);
const known = { ...BENCHMARKS, ...OPT_IN };
const unknown = only?.filter((name) => !(name in known));
if (unknown?.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(known).join(', ')}`);
  process.exit(2);
}

const loadAtStart = loadavg();
const results: Result[] = [];
const durations: Record<string, number> = {};
for (const [name, bench] of Object.entries(known)) {
  if (only ? !only.includes(name) : !(name in BENCHMARKS) && !(values.peers && name in OPT_IN)) continue;
  process.stderr.write(`running ${name}${values.quick ? ' (quick)' : ''}…\n`);
  const t0 = performance.now();
  try {
    const out = await bench({ quick: values.quick });
    results.push(...out);
    for (const r of out)
      if (isSkipped(r)) process.stderr.write(`  skip ${r.bench}/${r.name}: ${r.skipped}\n`);
  } catch (error) {
    process.exitCode = 1;
    console.error(`  ${name} failed:`, error);
    results.push({
      bench: name,
      name: 'failed',
      skipped: `failed: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  durations[name] = Math.round(performance.now() - t0);
}

console.log(formatTable(results));
console.log(
  `\nload average (1 min): ${loadAtStart[0]!.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end, ${cpus().length} cores`,
);

const cpu = cpus();
const report = {
  date: new Date().toISOString(),
  quick: values.quick,
  machine: {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    // Other work on the machine is the main source of noise: the 1-minute load average, start and end.
    loadAverage: { start: round2(loadAtStart[0]!), end: round2(loadavg()[0]!) },
  },
  node: process.version,
  durationsMs: durations,
  results: results.map((r) => (isSkipped(r) ? r : { ...r, ...(r.target ? { met: met(r) } : {}) })),
};
const out = fileURLToPath(new URL('./results.json', import.meta.url));
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten ${out}`);

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

import { spawnTs, stdoutOf, stopChild } from './lib/child.js';
import { type BenchOptions, type Result, figure } from './lib/result.js';

const BENCH = 'memory';

interface ChildReport {
  requests: number;
  seconds: number;
  heapStartMb: number;
  heapEndMb: number;
  growthMb: number;
  rssStartMb: number;
  rssEndMb: number;
  checkpoints: Array<{ requests: number; heapMb: number }>;
  allocatedPerRequest: Record<string, number | undefined>;
  inFlight: number;
}

/**
 * One million `complete()` requests in one process (a child with `--expose-gc`): the heap after a
 * full GC at the start and at the end. One sample per run: repeat the runner for the noise.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const requests = quick ? 2_000 : 1_000_000;
  const warmup = quick ? 500 : 20_000;
  const child = spawnTs('memory-child.ts', [String(requests), String(warmup)], ['--expose-gc']);
  let report: ChildReport;
  try {
    const out = await stdoutOf(child);
    report = JSON.parse(out.trim().split('\n').at(-1)!) as ChildReport;
  } finally {
    await stopChild(child);
  }
  if (report.inFlight !== 0) throw new Error(`memory: ${report.inFlight} requests still in flight`);
  const label = requests.toLocaleString('en-US');
  const curve = report.checkpoints
    .map((c) => `${Math.round(c.requests / 1000)}k: ${c.heapMb.toFixed(1)}`)
    .join(', ');
  return [
    figure(BENCH, `heap growth over ${label} requests`, 'MiB', [report.growthMb], {
      target: { op: '<=', value: 5 },
      note: `heap after GC (MiB) at start ${report.heapStartMb.toFixed(1)}, then ${curve}`,
    }),
    figure(BENCH, 'heap after GC at start', 'MiB', [report.heapStartMb]),
    figure(BENCH, 'heap after GC at end', 'MiB', [report.heapEndMb]),
    figure(BENCH, 'rss growth', 'MiB', [report.rssEndMb - report.rssStartMb]),
    figure(BENCH, 'routed req/s during the run, c=32', 'req/s', [report.requests / report.seconds]),
    ...Object.entries(report.allocatedPerRequest).map(([label, bytes]) =>
      bytes === undefined
        ? { bench: BENCH, name: `allocated per request [${label}]`, skipped: 'a GC ran during every try' }
        : figure(BENCH, `allocated per request [${label}]`, 'bytes', [bytes], {
            note: 'heap growth over sequential requests with no GC in between: garbage included',
          }),
    ),
  ];
}

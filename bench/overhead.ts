import * as source from '../src/index.js';
import { type RouterModule, importBuiltRouter } from './lib/build.js';
import { benchRequest, smallCatalog } from './lib/catalogs.js';
import { directCall, instantAdapter } from './lib/instant-adapter.js';
import { type BenchOptions, type Result, figure, median, percentile } from './lib/result.js';
import { measureLatencies } from './lib/timing.js';
import { sampleAllocations } from './lib/alloc-sample.js';

const BENCH = 'overhead';
const CONCURRENCY = [1, 64] as const;

interface Series {
  label: string;
  router: InstanceType<RouterModule['ModelRouter']>;
  overheadMed: Record<number, number[]>;
  overheadP99: Record<number, number[]>;
  mean: Record<number, number[]>;
  routerMed: Record<number, number[]>;
  rps: Record<number, number[]>;
  allocated: number;
}

/**
 * In-process overhead: `router.complete()` on memory storage and quota with an adapter that
 * answers at once, against calling that adapter directly — for the sources as tsx runs them and
 * for the bundle as the package ships it. Within a round every side runs the same number of
 * requests (the order alternates between rounds); a figure is the median of its rounds' values.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 2 : 7;
  const perRound = quick ? 256 : 20_000;
  const warmup = quick ? 256 : 30_000;

  const adapter = instantAdapter();
  const call = directCall('p1', 'gpt-4o-mini');
  const direct = () => adapter.complete(call);
  const built = await importBuiltRouter();
  const make = (label: string, mod: RouterModule): Series => ({
    label,
    router: new mod.ModelRouter({ catalog: smallCatalog(), adapters: { instant: adapter } }),
    overheadMed: { 1: [], 64: [] },
    overheadP99: { 1: [], 64: [] },
    mean: { 1: [], 64: [] },
    routerMed: { 1: [], 64: [] },
    rps: { 1: [], 64: [] },
    allocated: Number.NaN,
  });
  const series = [make('built', built), make('src via tsx', source)];
  const directMed: number[] = [];
  const directP99: number[] = [];
  try {
    for (const s of series) {
      await s.router.ready();
      const viaRouter = () => s.router.complete(benchRequest());
      await measureLatencies(viaRouter, warmup, 64);
      await measureLatencies(viaRouter, warmup, 1);
    }
    await measureLatencies(direct, warmup, 1);

    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? series : [...series].reverse();
      for (const concurrency of CONCURRENCY) {
        const d = await measureLatencies(direct, perRound, concurrency);
        const dMed = median(d.latencies);
        const dP99 = percentile(d.latencies, 99);
        if (concurrency === 1) {
          directMed.push(dMed);
          directP99.push(dP99);
        }
        for (const s of order) {
          const r = await measureLatencies(() => s.router.complete(benchRequest()), perRound, concurrency);
          const rMed = median(r.latencies);
          s.overheadMed[concurrency]!.push(rMed - dMed);
          s.overheadP99[concurrency]!.push(percentile(r.latencies, 99) - dP99);
          s.mean[concurrency]!.push((r.elapsedUs - d.elapsedUs) / perRound);
          s.routerMed[concurrency]!.push(rMed);
          s.rps[concurrency]!.push(perRound / (r.elapsedUs / 1e6));
        }
      }
    }
    // Bytes allocated per request, garbage included (what GC then pays for), by V8's sampling profiler.
    for (const s of series) {
      const { bytes } = await sampleAllocations(async () => {
        for (let i = 0; i < perRound; i++) await s.router.complete(benchRequest());
      });
      s.allocated = bytes / perRound;
    }
    for (const s of series) {
      const { inFlight } = s.router.stats();
      if (inFlight !== 0) throw new Error(`overhead (${s.label}): ${inFlight} requests still in flight`);
    }
  } finally {
    for (const s of series) await s.router.close();
  }

  const noteMean = '(router wall time − direct wall time) / requests: includes GC, unlike the median';
  const note64 = 'at c=64 a latency includes waiting behind the other 63 requests on the one event loop';
  const out: Result[] = [];
  for (const s of series) {
    const tag = `[${s.label}]`;
    out.push(
      figure(BENCH, `overhead median, c=1 ${tag}`, 'µs', s.overheadMed[1]!, {
        target: { op: '<=', value: 5 },
      }),
      figure(BENCH, `overhead p99, c=1 ${tag}`, 'µs', s.overheadP99[1]!, { target: { op: '<=', value: 30 } }),
      figure(BENCH, `mean overhead per request, c=1 ${tag}`, 'µs', s.mean[1]!, { note: noteMean }),
      figure(BENCH, `mean overhead per request, c=64 ${tag}`, 'µs', s.mean[64]!, { note: noteMean }),
      figure(BENCH, `overhead median, c=64 ${tag}`, 'µs', s.overheadMed[64]!, { note: note64 }),
      figure(BENCH, `overhead p99, c=64 ${tag}`, 'µs', s.overheadP99[64]!, { note: note64 }),
      figure(BENCH, `routed req/s, one core, c=1 ${tag}`, 'req/s', s.rps[1]!),
      figure(BENCH, `routed req/s, one core, c=64 ${tag}`, 'req/s', s.rps[64]!, {
        target: { op: '>=', value: 150_000 },
      }),
      figure(BENCH, `allocated per request ${tag}`, 'bytes', [s.allocated], {
        note: 'V8 heap sampling (every ~512 bytes), short-lived objects included; by function: bench/profile-alloc.ts',
      }),
    );
  }
  out.push(
    figure(BENCH, 'direct adapter call median, c=1', 'µs', directMed),
    figure(BENCH, 'direct adapter call p99, c=1', 'µs', directP99),
  );
  return out;
}

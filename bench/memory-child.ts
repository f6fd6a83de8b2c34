/**
 * The memory benchmark's child: `node --expose-gc --import tsx bench/memory-child.ts <requests> <warmup>`.
 * Runs `requests` complete() calls (32 at a time) on one router and prints one JSON line: the
 * heap after a full GC at the start (after `warmup` requests), at checkpoints, and at the end; and
 * first the bytes allocated per request (garbage included), for the bundle and for the sources.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import * as source from '../src/index.js';
import { type RouterModule, importBuiltRouter } from './lib/build.js';
import { benchRequest, smallCatalog } from './lib/catalogs.js';
import { instantAdapter } from './lib/instant-adapter.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const requests = Number(process.argv[2] ?? 1_000_000);
const warmup = Number(process.argv[3] ?? 20_000);
const CONCURRENCY = 32;
const CHECKPOINTS = 4;

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await tick();
    gc!();
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

type Router = InstanceType<RouterModule['ModelRouter']>;

async function drive(router: Router, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next++ < count) await router.complete(benchRequest());
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

const gcStarts: number[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
});
observer.observe({ entryTypes: ['gc'] });

/**
 * Bytes allocated per request: the heap's growth over `n` sequential requests during which no GC
 * ran (checked; retried with fewer requests when one did). Garbage included — that is the point.
 */
async function allocatedPerRequest(router: Router): Promise<number | undefined> {
  for (let n = 2_000; n >= 50; n = Math.floor(n / 2)) {
    await heapAfterGc();
    const t0 = performance.now();
    const h0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) await router.complete(benchRequest());
    const h1 = process.memoryUsage().heapUsed;
    const t1 = performance.now();
    await sleep(50); // GC entries reach observers asynchronously
    if (!gcStarts.some((t) => t >= t0 && t <= t1) && h1 > h0) return (h1 - h0) / n;
  }
  return undefined;
}

const allocated: Record<string, number | undefined> = {};
for (const [label, mod] of [
  ['built', await importBuiltRouter()],
  ['src via tsx', source],
] as const) {
  const r = new mod.ModelRouter({ catalog: smallCatalog(), adapters: { instant: instantAdapter() } });
  await drive(r, Math.min(warmup, 20_000));
  allocated[label] = await allocatedPerRequest(r);
  await r.close();
}
observer.disconnect();

const router = new source.ModelRouter({ catalog: smallCatalog(), adapters: { instant: instantAdapter() } });
await router.ready();
// Warm up past the steady-state buffers (the memory storage keeps the last 10,000 usage records).
await drive(router, warmup);
const heapStartMb = await heapAfterGc();
const rssStartMb = process.memoryUsage().rss / 2 ** 20;
const checkpoints: Array<{ requests: number; heapMb: number }> = [];
const t0 = performance.now();
let done = 0;
for (let c = 1; c <= CHECKPOINTS; c++) {
  const upTo = Math.round((requests * c) / CHECKPOINTS);
  await drive(router, upTo - done);
  done = upTo;
  checkpoints.push({ requests: done, heapMb: await heapAfterGc() });
}
const seconds = (performance.now() - t0) / 1000;
const stats = router.stats();
await router.close();
const heapEndMb = checkpoints.at(-1)!.heapMb;
process.stdout.write(
  `${JSON.stringify({
    requests,
    warmup,
    seconds,
    heapStartMb,
    heapEndMb,
    growthMb: heapEndMb - heapStartMb,
    rssStartMb,
    rssEndMb: process.memoryUsage().rss / 2 ** 20,
    checkpoints,
    allocatedPerRequest: allocated,
    inFlight: stats.inFlight,
  })}\n`,
);

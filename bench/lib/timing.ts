/** Monotonic time in microseconds (as a float), from `process.hrtime.bigint()`. */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/** Wall time of `fn` in microseconds. */
export async function timeUs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1000;
}

/**
 * Run `total` calls of `fn` from `concurrency` workers; returns each call's latency (µs) and the
 * whole run's wall time (µs). Each latency is measured around its own call with `hrtime.bigint()`.
 */
export async function measureLatencies(
  fn: () => Promise<unknown>,
  total: number,
  concurrency: number,
): Promise<{ latencies: Float64Array; elapsedUs: number }> {
  const latencies = new Float64Array(total);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = process.hrtime.bigint();
      await fn();
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return { latencies, elapsedUs: Number(process.hrtime.bigint() - t0) / 1000 };
}

/** A small seeded PRNG (mulberry32), so every run draws the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

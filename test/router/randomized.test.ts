import { afterEach, expect, it, vi } from 'vitest';
import { RouterError } from '../../src/index.js';
import type { MockStep } from '../../src/testing/mock-provider.js';
import { callCount, expectReleased, hi, setup, twoProviderCatalog } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** mulberry32: a tiny seeded PRNG, so that a failure replays exactly. */
function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [0x5eed2026, 7, 123_456_789];
const REQUESTS = 3_000;
const WAVE = 30;
const EXPECTED_CODES = new Set([
  'ABORTED',
  'ALL_CANDIDATES_FAILED',
  'PROVIDER_ERROR',
  'QUOTA_EXHAUSTED',
  'QUEUE_TIMEOUT',
]);

it.each(SEEDS)(
  `${REQUESTS} requests with mixed faults, timeouts and aborts leave nothing held (seed %i)`,
  async (seed) => {
    vi.useFakeTimers();
    const rand = mulberry32(seed);
    const int = (n: number) => Math.floor(rand() * n);
    const fault = (): MockStep => {
      const r = rand();
      if (r < 0.35) return { text: 'ok', delayMs: int(30) };
      if (r < 0.45) return { text: 'ok', usage: null };
      if (r < 0.55) return { error: { status: 500 }, delayMs: int(10) };
      if (r < 0.62) return { error: { status: 429, retryAfterMs: int(1_000) } };
      if (r < 0.67) return { error: { status: 429 } };
      if (r < 0.7) return { error: { status: 401 } };
      if (r < 0.75) return { error: { status: 400 } };
      if (r < 0.78) return { error: { status: 400, kind: 'context_length' } };
      if (r < 0.82) return { error: { status: 503 }, delayMs: int(200) }; // often past attemptMs
      if (r < 0.9) return { hang: true };
      return { hang: true, ignoreAbort: true };
    };
    const usageCount = { n: 0 };
    const { router, a, b } = setup({
      time: 'fake',
      catalog: twoProviderCatalog({
        aKeys: [
          { id: 'a1', secret: 's1', maxConcurrent: 2, rpm: 400 },
          { id: 'a2', secret: 's2', maxConcurrent: 3 },
        ],
        bKeys: [{ id: 'b1', secret: 's3', maxConcurrent: 4, tpm: 200_000 }],
      }),
      a: { respond: () => fault() },
      b: { respond: () => fault() },
      router: {
        onUsage: () => void usageCount.n++,
        timeouts: { attemptMs: 100, queueWaitMs: 150, totalMs: 600 },
        cooldown: { defaultMs: 100, minMs: 10, maxMs: 300, quarantineMs: 200 },
        circuitBreaker: { failureThreshold: 6, openMs: 300 },
        retryBudget: { ratio: 1, minPerSecond: 50, windowMs: 1_000 },
      },
    });
    const models = ['coding', 'coding', 'coding', 'a/model-a', 'model-b'];
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);

    for (let sent = 0; sent < REQUESTS; sent += WAVE) {
      let pending = 0;
      for (let i = 0; i < WAVE; i++) {
        const ac = new AbortController();
        const r = rand();
        if (r < 0.02)
          ac.abort(); // before the call
        else if (r < 0.15) setTimeout(() => ac.abort(), int(120)); // during a call, a wait or a failover
        pending++;
        router
          .complete({ model: models[int(models.length)]!, messages: hi }, { signal: ac.signal })
          .then(
            () => count('ok'),
            (e: unknown) => {
              if (!RouterError.isInstance(e) || !EXPECTED_CODES.has(e.code)) throw e;
              count(e.code);
            },
          )
          .catch((e: unknown) => count(`unexpected: ${String(e)}`))
          .finally(() => pending--);
      }
      for (let step = 0; pending > 0 && step < 200; step++) await vi.advanceTimersByTimeAsync(10);
      expect(pending, `wave at ${sent} did not settle`).toBe(0);
      await vi.advanceTimersByTimeAsync(int(400)); // let some cooldowns and circuits end between waves
    }

    const total = [...outcomes.values()].reduce((x, y) => x + y, 0);
    expect(total).toBe(REQUESTS);
    expect([...outcomes.keys()].filter((k) => k.startsWith('unexpected'))).toEqual([]);
    // The mix really exercised the paths.
    for (const code of ['ok', 'ABORTED', 'ALL_CANDIDATES_FAILED', 'PROVIDER_ERROR']) {
      expect(outcomes.get(code) ?? 0, code).toBeGreaterThan(20);
    }
    const stats = router.stats();
    expect(stats.inFlight).toBe(0);
    expect(stats.queued).toBe(0);
    expect(stats.leases).toMatchObject({ outstanding: 0, doubleReleases: 0 });
    expect(stats.leases!.acquired).toBe(stats.leases!.released);
    expectReleased(router);
    // One usage record per adapter call, failures, timeouts and aborts included.
    expect(callCount(a, b)).toBeGreaterThan(REQUESTS / 3);
    expect(usageCount.n).toBe(callCount(a, b));
  },
);

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CircuitBreakerOptions } from '../../src/index.js';
import type { MockStep } from '../../src/testing/mock-provider.js';
import { expectReleased, hi, rejectsWith, setup, twoProviderCatalog } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** a fails with 500 while `health.a` is false; b always answers. Priority order: a, then b. */
function breakerSetup(
  circuitBreaker: CircuitBreakerOptions = { failureThreshold: 2, probeIntervalMs: 10_000 },
  random = () => 0, // no jitter: probes come after the full interval
) {
  const health = { a: false };
  const s = setup({
    catalog: twoProviderCatalog({ strategy: 'priority' }),
    a: { respond: (): MockStep => (health.a ? { text: 'a ok' } : { error: { status: 500 } }) },
    router: { circuitBreaker, random },
  });
  const circuit = () => s.router.stats().candidates.find((c) => c.providerId === 'a')?.circuit;
  const serve = async () => (await s.router.complete({ model: 'coding', messages: hi })).model.providerId;
  return { ...s, health, circuit, serve };
}

describe('circuit breaker', () => {
  it('opens after N consecutive failures and skips the candidate while open', async () => {
    const { router, a, b, circuit, serve } = breakerSetup();
    expect(await serve()).toBe('b');
    expect(circuit()).toBe('closed');
    expect(await serve()).toBe('b');
    expect(circuit()).toBe('open');
    expect(a.calls).toHaveLength(2);
    expect(await serve()).toBe('b');
    expect(await serve()).toBe('b');
    expect(a.calls).toHaveLength(2); // skipped, not called
    expect(b.calls).toHaveLength(4);
    expectReleased(router);
  });

  it('after probeIntervalMs one probe goes through (half-open); its success closes the circuit', async () => {
    const { a, clock, health, circuit, serve } = breakerSetup();
    await serve();
    await serve();
    clock.advance(9_999);
    expect(await serve()).toBe('b');
    expect(a.calls).toHaveLength(2);
    clock.advance(1);
    expect(circuit()).toBe('half_open');
    health.a = true;
    expect(await serve()).toBe('a');
    expect(circuit()).toBe('closed');
    expect(await serve()).toBe('a');
  });

  it('the deprecated openMs still sets the probe interval', async () => {
    const { a, clock, serve } = breakerSetup({ failureThreshold: 2, openMs: 7_000 });
    await serve();
    await serve();
    clock.advance(6_999);
    await serve();
    expect(a.calls).toHaveLength(2);
    clock.advance(1);
    await serve();
    expect(a.calls).toHaveLength(3);
  });

  it('probes are jittered to 50–100 % of the interval', async () => {
    const { a, clock, serve } = breakerSetup({ failureThreshold: 2, probeIntervalMs: 10_000 }, () => 0.999);
    await serve();
    await serve();
    clock.advance(5_000);
    await serve(); // 10 000 × (1 − 0.5 × 0.999) = 5 005 ms: not yet
    expect(a.calls).toHaveLength(2);
    clock.advance(5);
    await serve();
    expect(a.calls).toHaveLength(3);
  });

  it('on probation after it closes: one failure re-opens the circuit (a flapping provider is not hammered)', async () => {
    const { a, clock, health, circuit, serve } = breakerSetup({
      failureThreshold: 3,
      probeIntervalMs: 1_000,
      probationMs: 20_000,
    });
    for (let i = 0; i < 3; i++) await serve();
    expect(circuit()).toBe('open');
    clock.advance(1_000);
    health.a = true;
    expect(await serve()).toBe('a'); // the probe succeeds: closed, on probation
    expect(circuit()).toBe('closed');
    health.a = false;
    const before = a.calls.length;
    expect(await serve()).toBe('b');
    expect(circuit()).toBe('open'); // one failure, not three
    expect(await serve()).toBe('b');
    expect(a.calls.length - before).toBe(1);
    // Past probation, the threshold applies again.
    clock.advance(1_000);
    health.a = true;
    expect(await serve()).toBe('a');
    clock.advance(20_000);
    health.a = false;
    await serve();
    await serve();
    expect(circuit()).toBe('closed');
    await serve();
    expect(circuit()).toBe('open');
  });

  it('on probation, a provider that is back with a background error rate stays closed (successes outnumber failures)', async () => {
    const { a, clock, health, circuit, serve } = breakerSetup({
      failureThreshold: 3,
      probeIntervalMs: 1_000,
      probationMs: 20_000,
    });
    for (let i = 0; i < 3; i++) await serve();
    clock.advance(1_000);
    health.a = true;
    expect(await serve()).toBe('a'); // the probe closes it: on probation
    for (let i = 0; i < 4; i++) expect(await serve()).toBe('a');
    // A stray 500 every few requests (a provider's usual error rate) within probation: still closed.
    for (let round = 0; round < 3; round++) {
      health.a = false;
      expect(await serve()).toBe('b');
      expect(circuit()).toBe('closed');
      health.a = true;
      expect(await serve()).toBe('a');
    }
    // Consecutive failures still open it at the threshold.
    health.a = false;
    const before = a.calls.length;
    for (let i = 0; i < 3; i++) await serve();
    expect(circuit()).toBe('open');
    expect(a.calls.length - before).toBe(3); // the consecutive threshold, reached first here
  });

  it('a failed probe re-opens the circuit for another interval', async () => {
    const { a, clock, circuit, serve } = breakerSetup();
    await serve();
    await serve();
    clock.advance(10_000);
    expect(await serve()).toBe('b'); // the probe failed, b served
    expect(a.calls).toHaveLength(3);
    expect(circuit()).toBe('open');
    clock.advance(9_999);
    await serve();
    expect(a.calls).toHaveLength(3);
    clock.advance(1);
    await serve();
    expect(a.calls).toHaveLength(4);
  });

  it('lets a single probe through at a time', async () => {
    vi.useFakeTimers();
    const health = { a: false };
    const { router, a, clock } = setup({
      catalog: twoProviderCatalog({ strategy: 'priority' }),
      a: {
        respond: (): MockStep => (health.a ? { text: 'a ok', delayMs: 100 } : { error: { status: 500 } }),
      },
      router: { circuitBreaker: { failureThreshold: 1, openMs: 1_000 } },
    });
    await router.complete({ model: 'coding', messages: hi });
    clock.advance(1_000);
    health.a = true;
    const probe = router.complete({ model: 'coding', messages: hi });
    const other = router.complete({ model: 'coding', messages: hi });
    expect((await other).model.providerId).toBe('b');
    await vi.advanceTimersByTimeAsync(100);
    expect((await probe).model.providerId).toBe('a');
    expect(a.calls).toHaveLength(2);
    expectReleased(router);
  });

  it('a success resets the count of consecutive failures', async () => {
    let n = 0;
    const { router, a, circuit } = (() => {
      const s = setup({
        catalog: twoProviderCatalog({ strategy: 'priority' }),
        a: { respond: (): MockStep => (n++ % 2 === 0 ? { error: { status: 500 } } : { text: 'ok' }) },
        router: { circuitBreaker: { failureThreshold: 2, openMs: 10_000 } },
      });
      return { ...s, circuit: () => s.router.stats().candidates.find((c) => c.providerId === 'a')?.circuit };
    })();
    for (let i = 0; i < 6; i++) await router.complete({ model: 'coding', messages: hi });
    expect(circuit()).toBe('closed');
    // fail, ok, fail, ok, …: a is tried on every request (6 requests → 9 calls with the failovers).
    expect(a.calls.length).toBeGreaterThanOrEqual(6);
  });

  it.each([
    { what: '429', step: { error: { status: 429, retryAfterMs: 1_000 } } },
    { what: '401', step: { error: { status: 401 } } },
    { what: '400', step: { error: { status: 400 } } },
  ])('$what does not count toward the circuit', async ({ step }) => {
    const { router, clock } = setup({
      catalog: twoProviderCatalog({ strategy: 'priority' }),
      a: { fallback: step as MockStep },
      router: { circuitBreaker: { failureThreshold: 1, openMs: 60_000 } },
    });
    for (let i = 0; i < 3; i++) {
      await router.complete({ model: 'coding', messages: hi }).catch(() => {});
      clock.advance(2_000_000); // past cooldowns and quarantine
    }
    expect(router.stats().candidates.find((c) => c.providerId === 'a')?.circuit).toBe('closed');
  });

  it('every circuit open → ALL_CANDIDATES_FAILED without an attempt, retryAfterMs until the first probe', async () => {
    const { router, a, b } = setup({
      a: { fallback: { error: { status: 500 } } },
      b: { fallback: { error: { status: 500 } } },
      router: { circuitBreaker: { failureThreshold: 1, probeIntervalMs: 5_000 }, random: () => 0 },
    });
    await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'ALL_CANDIDATES_FAILED');
    const calls = a.calls.length + b.calls.length;
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(err.attempts).toEqual([]);
    expect(err.retryAfterMs).toBe(5_000);
    expect((err.details.skipped as Array<{ reason: string }>).map((s) => s.reason)).toEqual([
      'circuit_open',
      'circuit_open',
    ]);
    expect(a.calls.length + b.calls.length).toBe(calls);
  });
});

describe('retry budget', () => {
  it('ratio 0 and minPerSecond 0: no failover attempt at all', async () => {
    const { router, a, b } = setup({
      a: { fallback: { error: { status: 500 } } },
      router: { retryBudget: { ratio: 0, minPerSecond: 0 } },
    });
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(err.details.reason).toBe('retry_budget');
    expect(err.attempts).toHaveLength(1);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expectReleased(router);
  });

  it('covers key rotation too', async () => {
    const { router, a } = setup({
      a: { fallback: { error: { status: 429 } } },
      router: { retryBudget: { ratio: 0, minPerSecond: 0 } },
    });
    await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'ALL_CANDIDATES_FAILED');
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1']);
  });

  it('a first attempt is always allowed', async () => {
    const { router, b } = setup({ router: { retryBudget: { ratio: 0, minPerSecond: 0 } } });
    for (let i = 0; i < 5; i++) await router.complete({ model: 'b/model-b', messages: hi });
    expect(b.calls).toHaveLength(5);
  });

  it('allows ratio × requests extra attempts in the window, and refills as the window slides', async () => {
    const { router, b, clock } = setup({
      a: { fallback: { error: { status: 500 } } },
      router: { retryBudget: { ratio: 0.5, minPerSecond: 0, windowMs: 10_000 } },
    });
    const outcome = async () =>
      router.complete({ model: 'coding', messages: hi }).then(
        () => 'served',
        (e: { details: { reason: string } }) => e.details.reason,
      );
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push(await outcome());
    // Requests 1..4 allow 0.5, 1, 1.5, 2 retries: the 2nd and the 4th may fail over.
    expect(seen).toEqual(['retry_budget', 'served', 'retry_budget', 'served']);
    expect(b.calls).toHaveLength(2);
    clock.advance(10_000);
    expect(await outcome()).toBe('retry_budget');
    expect(await outcome()).toBe('served');
  });

  it('minPerSecond lets failover through when requests are few', async () => {
    const { router, b } = setup({
      a: { fallback: { error: { status: 500 } } },
      router: { retryBudget: { ratio: 0, minPerSecond: 0.2, windowMs: 10_000 } }, // 2 retries per window
    });
    const results = [];
    for (let i = 0; i < 3; i++)
      results.push(
        await router.complete({ model: 'coding', messages: hi }).then(
          () => 'ok',
          () => 'fail',
        ),
      );
    expect(results).toEqual(['ok', 'ok', 'fail']);
    expect(b.calls).toHaveLength(2);
  });
});

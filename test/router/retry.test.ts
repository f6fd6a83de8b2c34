import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockStep } from '../../src/testing/mock-provider.js';
import {
  expectReleased,
  hi,
  oneProviderCatalog,
  rejectsWith,
  setup,
  tick,
  twoProviderCatalog,
} from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Direct model "a/model-a" on one provider; its calls are timed by the (fake) clock. */
function direct(opts: { keys?: object[]; script?: MockStep[]; fallback?: MockStep; router?: object } = {}) {
  vi.useFakeTimers();
  const at: number[] = [];
  const script = [...(opts.script ?? [])];
  const s = setup({
    time: 'fake',
    catalog: oneProviderCatalog(opts.keys),
    a: {
      respond: () => {
        at.push(Date.now());
        return script.shift() ?? opts.fallback;
      },
    },
    router: { random: () => 0, ...opts.router }, // no jitter: backoffs in full
  });
  return { ...s, at };
}

describe('same-candidate retry when no other candidate is left', () => {
  it('a direct model: one transient 500 is retried after a backoff, and the retry serves', async () => {
    const { router, a, at, usage } = direct({ script: [{ error: { status: 500 } }] });
    const start = Date.now();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    const settled = vi.fn();
    p.then(settled, settled);
    await vi.advanceTimersByTimeAsync(249);
    expect(a.calls).toHaveLength(1); // backing off: 250 ms (retry.baseMs) before the retry
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    const res = await p;
    expect(at.map((t) => t - start)).toEqual([0, 250]);
    expect(res.attempts.map((x) => [x.attempt, x.status, x.httpStatus])).toEqual([
      [1, 'error', 500],
      [2, 'success', undefined],
    ]);
    // Every retry is an attempt with its usage record.
    expect(usage.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'error'],
      [2, 'success'],
    ]);
    expectReleased(router);
  });

  it.each([
    { what: '502', step: { error: { status: 502 } } },
    { what: '503', step: { error: { status: 503 } } },
    { what: '529', step: { error: { status: 529 } } },
    { what: 'a network error', step: { error: { kind: 'network' } } },
    { what: 'an adapter throwing a plain error (unknown)', step: { error: { kind: 'unknown' } } },
  ])('$what is transient: retried', async ({ step }) => {
    const { router, a } = direct({ script: [step as MockStep] });
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(250);
    expect((await p).message.content).toBe('ok');
    expect(a.calls).toHaveLength(2);
  });

  it('backoff is exponential, capped at retry.maxMs; maxAttempts bounds the retries', async () => {
    const { router, at } = direct({
      fallback: { error: { status: 500 } },
      router: {
        maxAttempts: 6,
        retry: { baseMs: 100, maxMs: 500 },
        circuitBreaker: { failureThreshold: 100 }, // the circuit would stop it at 5 otherwise
      },
    });
    const start = Date.now();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    p.catch(() => {});
    await vi.advanceTimersByTimeAsync(10_000);
    const err = await rejectsWith(p, 'ALL_CANDIDATES_FAILED');
    expect(err.details.reason).toBe('max_attempts');
    expect(at.map((t) => t - start)).toEqual([0, 100, 300, 700, 1_200, 1_700]);
    expectReleased(router);
  });

  it('jitter shortens a backoff to no less than half of it', async () => {
    const { router, at } = direct({
      script: [{ error: { status: 500 } }, { error: { status: 500 } }],
      router: { random: () => 0.9, retry: { baseMs: 1_000, maxMs: 10_000 } },
    });
    const start = Date.now();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(5_000);
    await p;
    // 1 000 × (1 − 0.5 × 0.9) = 550, then 2 000 × 0.55 = 1 100.
    expect(at.map((t) => t - start)).toEqual([0, 550, 550 + 1_100]);
  });

  it('another key of the pool first', async () => {
    const { router, a } = direct({
      keys: [
        { id: 'a1', secret: 's' },
        { id: 'a2', secret: 's' },
      ],
      script: [{ error: { status: 500 } }, { error: { status: 500 } }],
    });
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(1_000);
    await p;
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1', 'a2', 'a1']);
  });

  it('in a group, the last candidate is retried once the others have failed', async () => {
    vi.useFakeTimers();
    const { router, a, b } = setup({
      time: 'fake',
      catalog: twoProviderCatalog({ strategy: 'priority' }),
      a: { fallback: { error: { status: 500 } } },
      b: { script: [{ error: { status: 503 } }] },
      router: { random: () => 0 },
    });
    const p = router.complete({ model: 'coding', messages: hi });
    await vi.advanceTimersByTimeAsync(250);
    const res = await p;
    expect(res.model.providerId).toBe('b');
    expect(res.attempts.map((x) => x.providerId)).toEqual(['a', 'b', 'b']);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(2);
    expectReleased(router);
  });

  it('an attempt timeout on the only candidate is retried', async () => {
    const { router, a } = direct({
      script: [{ hang: true }],
      router: { timeouts: { attemptMs: 1_000 } },
    });
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(1_250);
    const res = await p;
    expect(res.attempts.map((x) => x.errorKind ?? x.status)).toEqual(['timeout', 'success']);
    expect(a.calls[0]!.aborted).toBe(true);
    expectReleased(router);
  });

  it('a stream that fails before its first chunk is retried invisibly', async () => {
    const { router, a } = direct({ script: [{ error: { status: 502 } }] });
    const stream = router.stream({ model: 'a/model-a', messages: hi });
    const parts: string[] = [];
    const done = (async () => {
      for await (const part of stream) parts.push(part.type);
    })();
    await vi.advanceTimersByTimeAsync(250);
    await done;
    expect(parts[0]).toBe('start');
    expect(parts.at(-1)).toBe('finish');
    expect((await stream.result).attempts).toHaveLength(2);
    expect(a.calls).toHaveLength(2);
  });

  it('honours Retry-After when it fits before the deadline', async () => {
    const { router, at } = direct({ script: [{ error: { status: 503, retryAfterMs: 2_000 } }] });
    const start = Date.now();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(at).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(at.map((t) => t - start)).toEqual([0, 2_000]);
  });

  it('a Retry-After past the deadline: no retry, the error says when to come back', async () => {
    const { router, a } = direct({
      script: [{ error: { status: 503, retryAfterMs: 5_000 } }],
      router: { timeouts: { totalMs: 3_000 } },
    });
    const settled = vi.fn();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    p.then(settled, settled);
    await tick();
    expect(settled).toHaveBeenCalledTimes(1); // at once, not after a wait that cannot help
    const err = await rejectsWith(p, 'ALL_CANDIDATES_FAILED');
    expect(err.retryAfterMs).toBe(5_000);
    expect(a.calls).toHaveLength(1);
  });

  it('the retry budget bounds retries', async () => {
    const { router, a } = direct({
      fallback: { error: { status: 500 } },
      router: { retryBudget: { ratio: 0, minPerSecond: 0 } },
    });
    const err = await rejectsWith(
      router.complete({ model: 'a/model-a', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(err.details.reason).toBe('retry_budget');
    expect(a.calls).toHaveLength(1);
  });

  it('totalMs bounds retries: no backoff that ends past the deadline', async () => {
    const { router, at } = direct({
      fallback: { error: { status: 500 } },
      router: { timeouts: { totalMs: 1_000 }, retry: { baseMs: 300, maxMs: 300 } },
    });
    const start = Date.now();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    p.catch(() => {});
    await vi.advanceTimersByTimeAsync(2_000);
    await rejectsWith(p, 'ALL_CANDIDATES_FAILED');
    expect(at.map((t) => t - start)).toEqual([0, 300, 600, 900]);
  });

  it('an abort during the backoff ends the request at once with ABORTED, nothing held', async () => {
    const { router, a } = direct({ fallback: { error: { status: 500 } } });
    const controller = new AbortController();
    const p = router.complete({ model: 'a/model-a', messages: hi }, { signal: controller.signal });
    p.catch(() => {});
    await tick();
    expect(a.calls).toHaveLength(1);
    controller.abort();
    const err = await rejectsWith(p, 'ABORTED');
    expect(err.attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a.calls).toHaveLength(1);
    expectReleased(router);
  });

  it.each([
    { what: '400 bad_request', step: { error: { status: 400 } }, code: 'PROVIDER_ERROR' },
    { what: 'content_filter', step: { error: { kind: 'content_filter' } }, code: 'PROVIDER_ERROR' },
    { what: 'context_length', step: { error: { kind: 'context_length' } }, code: 'PROVIDER_ERROR' },
    { what: '404 not_found', step: { error: { status: 404 } }, code: 'ALL_CANDIDATES_FAILED' },
    {
      what: 'a malformed reply (protocol)',
      step: { error: { kind: 'protocol' } },
      code: 'ALL_CANDIDATES_FAILED',
    },
    { what: '401 on the last key', step: { error: { status: 401 } }, code: 'ALL_CANDIDATES_FAILED' },
  ])('$what is never retried', async ({ step, code }) => {
    const { router, a } = direct({ fallback: step as MockStep });
    await rejectsWith(router.complete({ model: 'a/model-a', messages: hi }), code);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(a.calls).toHaveLength(1);
  });
});

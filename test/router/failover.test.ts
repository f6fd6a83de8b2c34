import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../src/index.js';
import {
  expectReleased,
  hi,
  payloads,
  recordEvents,
  oneProviderCatalog,
  rejectsWith,
  setup,
  tick,
  twoProviderCatalog,
} from './helpers.js';

const T0 = 1_700_000_000_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('429 → next key of the same provider', () => {
  it('cools the key for Retry-After and serves from the next key', async () => {
    const { router, a, b, usage } = setup({
      a: { script: [{ error: { status: 429, retryAfterMs: 5_000 } }] },
    });
    const events = recordEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi }, { requestId: 'r1' });
    expect(res.model.providerId).toBe('a');
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1', 'a2']);
    expect(b.calls).toHaveLength(0);
    expect(res.attempts.map((x) => [x.keyId, x.status, x.httpStatus])).toEqual([
      ['a1', 'error', 429],
      ['a2', 'success', undefined],
    ]);
    const a1 = router.stats().keys.find((k) => k.keyId === 'a1')!;
    expect(a1.coolingUntil).toBe(T0 + 5_000);
    // The cooldown is the key's, whatever model it served: the event names the key only.
    expect(payloads(events, 'cooldown')).toEqual([
      { providerId: 'a', keyId: 'a1', until: T0 + 5_000, reason: 'rate_limited' },
    ]);
    expect(payloads(events, 'failover')).toEqual([
      expect.objectContaining({
        requestId: 'r1',
        attempt: 1,
        action: 'next_key',
        from: { providerId: 'a', modelId: 'model-a', keyId: 'a1' },
        error: expect.objectContaining({ kind: 'rate_limited', status: 429 }),
      }),
    ]);
    expect(usage.map((u) => [u.requestId, u.attempt, u.keyId, u.status, u.errorCode, u.httpStatus])).toEqual([
      ['r1', 1, 'a1', 'error', 'rate_limited', 429],
      ['r1', 2, 'a2', 'success', undefined, undefined],
    ]);
    // The next request does not touch the cooling key.
    await router.complete({ model: 'coding', messages: hi });
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1', 'a2', 'a2']);
    expectReleased(router);
  });

  it('a key whose cooldown ended is used again', async () => {
    const { router, a, clock } = setup({ a: { script: [{ error: { status: 429, retryAfterMs: 2_000 } }] } });
    await router.complete({ model: 'coding', messages: hi });
    clock.advance(2_000);
    expect(router.stats().keys.find((k) => k.keyId === 'a1')!.coolingUntil).toBeUndefined();
    await router.complete({ model: 'coding', messages: hi });
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1', 'a2', 'a1']);
  });

  it.each([
    { retryAfterMs: 10, expected: 2_000, what: 'below minMs → minMs' },
    { retryAfterMs: 3_000, expected: 3_000, what: 'inside the bounds → as given' },
    { retryAfterMs: 999_999_999, expected: 60_000, what: 'above maxMs → maxMs' },
    { retryAfterMs: undefined, expected: 7_000, what: 'absent → defaultMs' },
  ])('Retry-After $what', async ({ retryAfterMs, expected }) => {
    const { router } = setup({
      a: { script: [{ error: { status: 429, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) } }] },
      router: { cooldown: { minMs: 2_000, maxMs: 60_000, defaultMs: 7_000 } },
    });
    const cooldowns: number[] = [];
    router.on('cooldown', (e) => void cooldowns.push(e.until - T0));
    await router.complete({ model: 'coding', messages: hi });
    expect(cooldowns).toEqual([expected]);
    expect(router.stats().keys.find((k) => k.keyId === 'a1')!.coolingUntil).toBe(T0 + expected);
  });

  it.each([
    { first: 60_000, second: 5_000, what: 'a shorter, later cooldown never shortens it' },
    { first: 5_000, second: 60_000, what: 'a longer, later cooldown extends it' },
  ])('$what', async ({ first, second }) => {
    vi.useFakeTimers();
    // Two requests in flight on a1 at once; the first answers 429 after 10 ms, the second after 20 ms.
    const { router } = setup({
      a: {
        script: [
          { error: { status: 429, retryAfterMs: first }, delayMs: 10 },
          { error: { status: 429, retryAfterMs: second }, delayMs: 20 },
        ],
      },
    });
    const until: number[] = [];
    router.on('cooldown', (e) => {
      if (e.keyId === 'a1') until.push(e.until - T0);
    });
    const p1 = router.complete({ model: 'a/model-a', messages: hi });
    const p2 = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all([p1, p2]);
    const longest = Math.max(first, second);
    expect(until).toEqual([first, longest]);
    expect(router.stats().keys.find((k) => k.keyId === 'a1')!.coolingUntil).toBe(T0 + longest);
    expectReleased(router);
  });

  it('all keys of a provider rate limited → the next candidate', async () => {
    const { router, a, b } = setup({
      a: { fallback: { error: { status: 429, retryAfterMs: 1_000 } } },
    });
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.attempts.map((x) => x.keyId)).toEqual(['a1', 'a2', 'b1']);
    expect(res.model.providerId).toBe('b');
    expect(a.calls).toHaveLength(2);
    expect(b.calls).toHaveLength(1);
  });
});

describe('exhausted pool → next provider', () => {
  it('a pool out of rpm is skipped without a call', async () => {
    const { router, a, b } = setup({
      catalog: twoProviderCatalog({
        strategy: 'priority',
        aKeys: [
          { id: 'a1', secret: 's', rpm: 1 },
          { id: 'a2', secret: 's', rpm: 1 },
        ],
      }),
    });
    const served: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await router.complete({ model: 'coding', messages: hi });
      served.push(`${r.model.providerId}:${r.attempts[0]!.keyId}`);
    }
    expect(served).toEqual(['a:a1', 'a:a2', 'b:b1', 'b:b1']);
    expect(a.calls).toHaveLength(2);
    expect(b.calls).toHaveLength(2);
    expectReleased(router);
  });

  it('with quota_aware, the exhausted pool comes last and is not tried', async () => {
    const { router, a, b } = setup({
      catalog: twoProviderCatalog({ aKeys: [{ id: 'a1', secret: 's', rpm: 1 }] }),
    });
    await router.complete({ model: 'a/model-a', messages: hi });
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(res.attempts).toHaveLength(1);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
  });

  it('a pool out of tpm is skipped too', async () => {
    const { router, b } = setup({
      catalog: twoProviderCatalog({ aKeys: [{ id: 'a1', secret: 's', tpm: 100 }] }),
      a: { fallback: { text: 'ok', usage: { promptTokens: 60, completionTokens: 40 } } },
    });
    await router.complete({ model: 'a/model-a', messages: hi, maxTokens: 10 });
    const res = await router.complete({ model: 'coding', messages: hi, maxTokens: 10 });
    expect(res.model.providerId).toBe('b');
    expect(b.calls).toHaveLength(1);
  });
});

describe('provider failures', () => {
  it.each([500, 502, 503, 504, 404])('%i → the next candidate', async (status) => {
    const { router, a, b } = setup({ a: { script: [{ error: { status } }] } });
    const events = recordEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1']); // not the other key of a
    expect(b.calls).toHaveLength(1);
    expect(payloads(events, 'failover')[0]).toMatchObject({ action: 'next_candidate', error: { status } });
    expectReleased(router);
  });

  it('an adapter throwing a plain Error counts as kind unknown and fails over', async () => {
    const { router, a } = setup();
    const broken = {
      name: 'broken',
      complete: async () => {
        throw new TypeError('undefined is not a function');
      },
      stream: async () => {
        throw new TypeError('no');
      },
    };
    const { router: r2 } = setup({ router: { adapters: { mockA: broken, mockB: a } } });
    const res = await r2.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(res.attempts[0]).toMatchObject({
      status: 'error',
      errorKind: 'unknown',
      errorCode: 'PROVIDER_ERROR',
    });
    expectReleased(r2);
    expectReleased(router);
  });

  it('401 → the key is quarantined and the next key serves', async () => {
    const { router, a, b } = setup({ a: { script: [{ error: { status: 401 } }] } });
    const events = recordEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('a');
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1', 'a2']);
    expect(b.calls).toHaveLength(0);
    const a1 = router.stats().keys.find((k) => k.keyId === 'a1')!;
    expect(a1.quarantinedUntil).toBe(T0 + 900_000);
    expect(payloads(events, 'cooldown')).toEqual([
      { providerId: 'a', keyId: 'a1', until: T0 + 900_000, reason: 'auth' },
    ]);
    await router.complete({ model: 'coding', messages: hi });
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1', 'a2', 'a2']);
  });

  it('quarantineMs is configurable', async () => {
    const { router } = setup({
      a: { script: [{ error: { status: 403 } }] },
      router: { cooldown: { quarantineMs: 60_000 } },
    });
    await router.complete({ model: 'coding', messages: hi });
    expect(router.stats().keys.find((k) => k.keyId === 'a1')!.quarantinedUntil).toBe(T0 + 60_000);
  });

  it.each([
    { error: { status: 400 }, kind: 'bad_request' },
    { error: { status: 400, kind: 'content_filter' as const }, kind: 'content_filter' },
  ])('$kind → no failover: PROVIDER_ERROR after one call', async ({ error, kind }) => {
    const { router, a, b, usage } = setup({ a: { script: [{ error }] } });
    const failovers: unknown[] = [];
    router.on('failover', (e) => void failovers.push(e));
    const err = await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'PROVIDER_ERROR');
    expect(ProviderError.isProviderError(err)).toBe(true);
    expect((err as ProviderError).kind).toBe(kind);
    expect((err as ProviderError).isRetryable).toBe(false);
    expect(err).toMatchObject({ providerId: 'a', modelId: 'model-a', keyId: 'a1' });
    expect(err.attempts).toHaveLength(1);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expect(failovers).toHaveLength(0);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ status: 'error', errorCode: kind });
    expectReleased(router);
  });
});

describe('context_length', () => {
  it('falls back to a later candidate with a larger context window', async () => {
    const { router, a, b } = setup({ a: { script: [{ error: { status: 400, kind: 'context_length' } }] } });
    const events = recordEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    expect(payloads(events, 'failover')[0]!.action).toBe('context_fallback');
  });

  it('is thrown when no later candidate has a larger window', async () => {
    const { router, a, b } = setup({
      catalog: twoProviderCatalog({ strategy: 'priority' }),
      b: { script: [{ error: { status: 400, kind: 'context_length' } }] },
      a: { script: [{ error: { status: 400, kind: 'context_length' } }] },
    });
    const err = await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'PROVIDER_ERROR');
    expect((err as ProviderError).kind).toBe('context_length');
    expect(err.attempts?.map((x) => x.providerId)).toEqual(['a', 'b']);
    expect(a.calls.length + b.calls.length).toBe(2);
  });

  it('skips later candidates whose window is not larger', async () => {
    const catalog = twoProviderCatalog();
    // b first (priority 0) with the larger window; a (8000) comes after and cannot help.
    const groups = [
      {
        name: 'coding',
        members: [
          { providerId: 'b', modelId: 'model-b', priority: 0 },
          { providerId: 'a', modelId: 'model-a', priority: 1 },
        ],
      },
    ];
    const { router, a, b } = setup({
      catalog: { ...catalog, groups },
      b: { script: [{ error: { status: 400, kind: 'context_length' } }] },
    });
    await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'PROVIDER_ERROR');
    expect(b.calls).toHaveLength(1);
    expect(a.calls).toHaveLength(0);
    expectReleased(router);
  });
});

describe('running out', () => {
  it('all failing → ALL_CANDIDATES_FAILED listing each attempt, with lastError', async () => {
    const { router, a, b } = setup({
      a: { fallback: { error: { status: 500 } } },
      b: { fallback: { error: { status: 503, message: 'upstream overloaded' } } },
      router: { maxAttempts: 2 }, // no same-candidate retry of b (tested in retry.test.ts)
    });
    const failures: unknown[] = [];
    router.on('failure', (e) => void failures.push(e));
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }, { requestId: 'rq' }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(
      err.attempts?.map((x) => [x.attempt, x.providerId, x.keyId, x.status, x.errorKind, x.httpStatus]),
    ).toEqual([
      [1, 'a', 'a1', 'error', 'server', 500],
      [2, 'b', 'b1', 'error', 'overloaded', 503],
    ]);
    expect(ProviderError.isProviderError(err.lastError)).toBe(true);
    expect((err.lastError as ProviderError).message).toBe('upstream overloaded');
    expect(err.details.reason).toBe('max_attempts');
    expect(err.message).toContain('upstream overloaded');
    expect(err.retryAfterMs).toBeUndefined(); // nothing is cooling: capacity is there, the providers fail
    expect(failures).toEqual([
      {
        requestId: 'rq',
        error: err,
        operation: 'chat',
        model: 'coding',
        groupName: 'coding',
        latencyMs: expect.any(Number),
        queueWaitMs: 0,
      },
    ]);
    expect(a.calls.length + b.calls.length).toBe(2);
    expect(err.toJSON()).toMatchObject({ code: 'ALL_CANDIDATES_FAILED', attempts: expect.any(Array) });
    expectReleased(router);
  });

  it('retryAfterMs of ALL_CANDIDATES_FAILED is the earliest cooldown, not the last Retry-After', async () => {
    const { router } = setup({
      catalog: twoProviderCatalog({ strategy: 'priority' }),
      a: { fallback: { error: { status: 429, retryAfterMs: 40_000 } } },
      b: { fallback: { error: { status: 429, retryAfterMs: 3_000 } } },
      router: { timeouts: { queueWaitMs: 0 } }, // fail at once rather than wait out b's 3 s
    });
    // b is tried last but returns first… and the other way round.
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(err.attempts?.map((x) => x.keyId)).toEqual(['a1', 'a2', 'b1']);
    expect(err.retryAfterMs).toBe(3_000);
    const { router: r2 } = setup({
      catalog: twoProviderCatalog({ strategy: 'priority' }),
      a: { fallback: { error: { status: 429, retryAfterMs: 3_000 } } },
      b: { fallback: { error: { status: 429, retryAfterMs: 40_000 } } },
      router: { timeouts: { queueWaitMs: 0 } },
    });
    const err2 = await rejectsWith(r2.complete({ model: 'coding', messages: hi }), 'ALL_CANDIDATES_FAILED');
    expect(err2.retryAfterMs).toBe(3_000);
  });

  it('a Retry-After below cooldown.minMs is reported as the cooldown actually applied', async () => {
    const { router } = setup({
      a: { fallback: { error: { status: 429, retryAfterMs: 10 } } },
      b: { fallback: { error: { status: 429, retryAfterMs: 10 } } },
    });
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(err.retryAfterMs).toBe(1_000);
  });

  it('every key cooling before any attempt → QUOTA_EXHAUSTED with retryAfterMs, no call, no usage', async () => {
    const { router, a, b, clock, usage } = setup({
      a: {
        script: [
          { error: { status: 429, retryAfterMs: 5_000 } },
          { error: { status: 429, retryAfterMs: 7_000 } },
        ],
      },
      b: { script: [{ error: { status: 429, retryAfterMs: 3_000 } }] },
      router: { timeouts: { queueWaitMs: 0 } }, // never wait (waiting is tested in quota-wait.test.ts)
    });
    await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'ALL_CANDIDATES_FAILED');
    const calls = a.calls.length + b.calls.length;
    const records = usage.length;
    clock.advance(1_000);
    const err = await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'QUOTA_EXHAUSTED');
    expect(err.retryAfterMs).toBe(2_000); // b1 returns first
    expect(err.attempts).toEqual([]);
    expect(a.calls.length + b.calls.length).toBe(calls);
    expect(usage).toHaveLength(records);
    clock.advance(2_000);
    expect((await router.complete({ model: 'coding', messages: hi })).model.providerId).toBe('b');
    expectReleased(router);
  });

  it('an exhausted rpm window → QUOTA_EXHAUSTED with the time until the window frees a slot', async () => {
    const { router, a, clock } = setup({
      catalog: {
        providers: [{ id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's', rpm: 1 }] }],
        models: [{ providerId: 'a', modelId: 'model-a' }],
      },
    });
    await router.complete({ model: 'model-a', messages: hi });
    clock.advance(10_000);
    const err = await rejectsWith(router.complete({ model: 'model-a', messages: hi }), 'QUOTA_EXHAUSTED');
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(err.message).toContain('capacity returns in');
    expect(a.calls).toHaveLength(1);
    // Just before the announced moment it is still refused; at it, it is served.
    clock.advance(err.retryAfterMs! - 1);
    await rejectsWith(router.complete({ model: 'model-a', messages: hi }), 'QUOTA_EXHAUSTED');
    clock.advance(1);
    await router.complete({ model: 'model-a', messages: hi });
    expect(a.calls).toHaveLength(2);
    expectReleased(router);
  });

  it('maxAttempts caps the attempts, failovers included', async () => {
    const { router, a, b } = setup({
      a: { fallback: { error: { status: 429 } } },
      router: { maxAttempts: 2 },
    });
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(err.details.reason).toBe('max_attempts');
    expect(err.attempts).toHaveLength(2);
    expect(a.calls).toHaveLength(2);
    expect(b.calls).toHaveLength(0);
    expectReleased(router);
  });

  it('maxAttempts 1 means no failover at all', async () => {
    const { router, b } = setup({ a: { script: [{ error: { status: 500 } }] }, router: { maxAttempts: 1 } });
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(err.attempts).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
  });

  it('requestId reaches the result, the events and every usage record', async () => {
    const { router, usage } = setup({ a: { script: [{ error: { status: 500 } }] } });
    const events = recordEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi }, { requestId: 'my-id' });
    await tick();
    expect(res.requestId).toBe('my-id');
    expect(usage.map((u) => u.requestId)).toEqual(['my-id', 'my-id']);
    for (const e of events) {
      if (e.event === 'catalog' || e.event === 'cooldown') continue;
      const p = e.payload as { requestId?: string };
      expect(p.requestId, e.event).toBe('my-id');
    }
    expect(events.map((e) => e.event).filter((e) => e !== 'catalog')).toEqual([
      'request',
      'attempt',
      'usage',
      'failover',
      'attempt',
      'usage',
      'success',
    ]);
  });
});

describe('a key whose secret cannot be resolved', () => {
  it('is a configuration problem: the key is skipped (no call, no quarantine), re-checked on each request', async () => {
    const skips: string[] = [];
    const { router, a, b } = setup({
      catalog: twoProviderCatalog({
        aKeys: [
          { id: 'a1', secret: 'env:MODEL_ROUTER_TEST_UNSET_VAR' },
          { id: 'a2', secret: 'secret-a2' },
        ],
      }),
      router: { circuitBreaker: { failureThreshold: 2, openMs: 60_000 }, logger: false },
    });
    router.on('skip', (e) => void skips.push(`${e.reason}:${e.keyIds?.join(',')}`));
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('a');
    expect(res.attempts.map((x) => [x.keyId, x.status])).toEqual([['a2', 'success']]);
    expect(skips).toEqual(['secret_unavailable:a1']);
    for (let i = 0; i < 3; i++) await router.complete({ model: 'coding', messages: hi });
    expect(a.calls.map((c) => c.keyId)).toEqual(['a2', 'a2', 'a2', 'a2']);
    expect(b.calls).toHaveLength(0);
    expect(router.stats().candidates.find((c) => c.providerId === 'a')?.circuit).toBe('closed');
    expect(router.stats().keys.find((k) => k.keyId === 'a1')?.quarantinedUntil).toBeUndefined();
    // Set the variable: the very next request may use the key (no 15-minute quarantine to sit out).
    process.env.MODEL_ROUTER_TEST_UNSET_VAR = 'sk-now-set';
    try {
      a.reset();
      for (let i = 0; i < 4; i++) await router.complete({ model: 'a/model-a', messages: hi });
      expect(a.calls.map((c) => c.keyId)).toContain('a1');
    } finally {
      delete process.env.MODEL_ROUTER_TEST_UNSET_VAR;
    }
    expectReleased(router);
  });

  it('a pool whose every secret is missing is skipped, and the final error names the keys', async () => {
    const { router, a } = setup({
      catalog: oneProviderCatalog([{ id: 'a1', secret: 'env:MODEL_ROUTER_TEST_UNSET_VAR' }]),
      router: { logger: false },
    });
    const error = await rejectsWith(
      router.complete({ model: 'a/model-a', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(error.message).toContain('a/model-a secret unavailable for key(s) a1');
    expect(error.message).toContain('MODEL_ROUTER_TEST_UNSET_VAR');
    expect(error.details.skipped).toEqual([
      expect.objectContaining({ reason: 'secret_unavailable', keyIds: ['a1'] }),
    ]);
    expect(a.calls).toHaveLength(0);
    expect((await router.plan('a/model-a'))[0]).toMatchObject({ skip: 'secret_unavailable' });
  });

  it('is reported once through the logger while it lasts', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const { router } = setup({
      catalog: twoProviderCatalog({
        aKeys: [
          { id: 'a1', secret: 'env:MODEL_ROUTER_TEST_UNSET_VAR' },
          { id: 'a2', secret: 'secret-a2' },
        ],
      }),
      router: { logger: { warn: (f) => void warnings.push(f), error: () => {} } },
    });
    for (let i = 0; i < 3; i++) await router.complete({ model: 'coding', messages: hi });
    expect(warnings).toEqual([
      expect.objectContaining({ providerId: 'a', keyId: 'a1', reason: 'secret_unavailable' }),
    ]);
    expect(JSON.stringify(warnings)).not.toContain('secret-a2');
  });

  it('the same for a custom resolveSecret that rejects', async () => {
    const { router, a } = setup({
      router: {
        resolveSecret: async (key) => {
          if (key.id === 'a1') throw new Error('vault unavailable');
          return key.secret;
        },
      },
    });
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('a');
    expect(a.calls.map((c) => c.keyId)).toEqual(['a2']);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockCall, MockStep } from '../../src/testing/mock-provider.js';
import { expectReleased, hi, oneProviderCatalog, setup } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Settle every promise while moving fake time in steps; fails if they do not settle within `maxMs`. */
async function drive<T>(
  promises: Promise<T>[],
  stepMs = 10,
  maxMs = 60_000,
): Promise<PromiseSettledResult<T>[]> {
  let done = false;
  const all = Promise.allSettled(promises).then((r) => {
    done = true;
    return r;
  });
  for (let t = 0; !done && t <= maxMs; t += stepMs) await vi.advanceTimersByTimeAsync(stepMs);
  expect(done, 'requests did not settle').toBe(true);
  return all;
}

describe('concurrency limits', () => {
  it('many simultaneous requests never exceed a key’s maxConcurrent, and all are served', async () => {
    vi.useFakeTimers();
    const live = new Map<string, number>();
    const peak = new Map<string, number>();
    let seed = 7;
    const delay = () => {
      seed = (seed * 48271) % 2147483647;
      return 1 + (seed % 40);
    };
    const respond = (call: MockCall, _i: number, calls: MockCall[]): MockStep => {
      // The calls of this key that have not ended yet, this one included.
      const n = calls.filter((c) => c.keyId === call.keyId && !c.settled).length;
      live.set(call.keyId, n);
      peak.set(call.keyId, Math.max(peak.get(call.keyId) ?? 0, n));
      return { text: 'ok', delayMs: delay() };
    };
    const s = setup({
      time: 'fake',
      catalog: oneProviderCatalog([
        { id: 'a1', secret: 's', maxConcurrent: 3 },
        { id: 'a2', secret: 's', maxConcurrent: 2 },
      ]),
      a: { respond: (call, i) => respond(call, i, s.a.calls) },
    });
    const { router, a } = s;
    const results = await drive(
      Array.from({ length: 60 }, () => router.complete({ model: 'model-a', messages: hi })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(60);
    expect(a.calls).toHaveLength(60);
    expect(peak.get('a1')).toBe(3); // reached, never passed
    expect(peak.get('a2')).toBe(2);
    expectReleased(router);
  });

  it('never more than rpm requests of a key in any one-minute window', async () => {
    const s = setup({
      catalog: oneProviderCatalog([
        { id: 'a1', secret: 's', rpm: 5 },
        { id: 'a2', secret: 's', rpm: 3 },
      ]),
      a: { respond: (call) => void sent.push({ key: call.keyId, at: s.clock.now() }) },
      router: { timeouts: { queueWaitMs: 0 } }, // refuse at once: a manual clock does not follow timers
    });
    const sent: Array<{ key: string; at: number }> = [];
    const { router, clock } = s;
    let served = 0;
    let refused = 0;
    for (let round = 0; round < 12; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => router.complete({ model: 'model-a', messages: hi })),
      );
      for (const r of results) {
        if (r.status === 'fulfilled') served++;
        else {
          expect((r.reason as { code: string }).code).toBe('QUOTA_EXHAUSTED');
          refused++;
        }
      }
      clock.advance(15_000);
    }
    expect(served).toBeGreaterThan(8);
    expect(refused).toBeGreaterThan(0);
    for (const { key, at } of sent) {
      const limit = key === 'a1' ? 5 : 3;
      const inWindow = sent.filter((x) => x.key === key && x.at > at - 60_000 && x.at <= at).length;
      expect(inWindow, `${key} at ${at}`).toBeLessThanOrEqual(limit);
    }
    expectReleased(router);
  });

  it('tokens are reserved at dispatch (tpm) and reconciled to real usage after', async () => {
    vi.useFakeTimers();
    const { router, a } = setup({
      time: 'fake',
      catalog: oneProviderCatalog([{ id: 'a1', secret: 's', tpm: 1_000 }]),
      a: { fallback: { text: 'ok', delayMs: 50, usage: { promptTokens: 5, completionTokens: 5 } } },
    });
    // Each request reserves its prompt estimate (5) + maxTokens (200): four fit in 1,000, the fifth does not.
    const results = await drive(
      Array.from({ length: 6 }, () => router.complete({ model: 'model-a', messages: hi, maxTokens: 200 })),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    expect(a.calls).toHaveLength(4);
    // After reconciliation the window holds 4 × 10 tokens, so more requests fit at once.
    expect(router.stats().keys[0]!.tokensInWindow).toBe(40);
    const more = await drive(
      Array.from({ length: 4 }, () => router.complete({ model: 'model-a', messages: hi, maxTokens: 200 })),
    );
    expect(more.every((r) => r.status === 'fulfilled')).toBe(true);
    expectReleased(router);
  });
});

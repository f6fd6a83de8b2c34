import { describe, expect, it } from 'vitest';
import {
  computeHeadroom,
  quotaAware,
  type StrategyCandidate,
  type StrategyContext,
} from '../../src/index.js';

describe('computeHeadroom', () => {
  it('no usable key → 0; no limit at all → 1', () => {
    expect(computeHeadroom([])).toBe(0);
    expect(computeHeadroom([{ requestsInWindow: 50, tokensInWindow: 9999 }])).toBe(1);
  });

  it('one key: remaining / limit in its limited dimension', () => {
    expect(computeHeadroom([{ rpm: 100, requestsInWindow: 25, tokensInWindow: 0 }])).toBe(0.75);
    expect(computeHeadroom([{ tpm: 1000, requestsInWindow: 7, tokensInWindow: 400 }])).toBe(0.6);
  });

  it('sums remaining and limits over the pool (not an average of fractions)', () => {
    // (50 + 300) / (100 + 300) = 0.875; the mean of fractions would be 0.75.
    const h = computeHeadroom([
      { rpm: 100, requestsInWindow: 50, tokensInWindow: 0 },
      { rpm: 300, requestsInWindow: 0, tokensInWindow: 0 },
    ]);
    expect(h).toBe(0.875);
  });

  it('the minimum over the limited dimensions', () => {
    const h = computeHeadroom([{ rpm: 100, tpm: 1000, requestsInWindow: 10, tokensInWindow: 800 }]);
    expect(h).toBeCloseTo(0.2, 12);
    const h2 = computeHeadroom([
      { rpm: 10, tpm: 1000, requestsInWindow: 9, tokensInWindow: 0 },
      { rpm: 10, tpm: 1000, requestsInWindow: 5, tokensInWindow: 500 },
    ]);
    // requests (1 + 5) / 20 = 0.3; tokens (1000 + 500) / 2000 = 0.75
    expect(h2).toBeCloseTo(0.3, 12);
  });

  it('one unlimited key makes that dimension 1', () => {
    // requests: a2 has no rpm → 1, even though a1 is spent; tokens: (50 + 100) / 200 = 0.75
    const h = computeHeadroom([
      { rpm: 10, tpm: 100, requestsInWindow: 10, tokensInWindow: 50 },
      { tpm: 100, requestsInWindow: 3, tokensInWindow: 0 },
    ]);
    expect(h).toBe(0.75);
    const both = computeHeadroom([
      { rpm: 10, requestsInWindow: 10, tokensInWindow: 0 },
      { requestsInWindow: 1000, tokensInWindow: 0 },
    ]);
    expect(both).toBe(1);
  });

  it('a key over its limit contributes 0 remaining, never negative', () => {
    const h = computeHeadroom([
      { rpm: 10, requestsInWindow: 15, tokensInWindow: 0 },
      { rpm: 10, requestsInWindow: 0, tokensInWindow: 0 },
    ]);
    expect(h).toBe(0.5);
    expect(computeHeadroom([{ rpm: 10, tpm: 10, requestsInWindow: 99, tokensInWindow: 99 }])).toBe(0);
  });
});

describe('quota_aware ordering on hand-made headroom', () => {
  const cand = (providerId: string, priority: number, index: number): StrategyCandidate => ({
    providerId,
    modelId: 'm',
    priority,
    weight: 1,
    index,
  });
  const context = (headroom: Record<string, number>): StrategyContext => ({
    now: 0,
    random: () => 0.5,
    groupName: 'g',
    headroom: (c) => headroom[c.providerId]!,
    inFlight: () => 0,
    latency: () => ({ latencyMs: undefined, ttftMs: undefined, samples: 0 }),
  });
  const ids = (list: StrategyCandidate[]) => list.map((c) => c.providerId);

  it('most headroom first', () => {
    const list = [cand('a', 0, 0), cand('b', 0, 1), cand('c', 0, 2)];
    expect(ids(quotaAware(list, context({ a: 0.2, b: 0.9, c: 0.5 })))).toEqual(['b', 'c', 'a']);
  });

  it('within one percentage point (rounded) is a tie: lower priority wins', () => {
    const list = [cand('a', 1, 0), cand('b', 0, 1)];
    // 50.4 % and 49.6 % both round to 50 %: b's priority wins although a has more.
    expect(ids(quotaAware(list, context({ a: 0.504, b: 0.496 })))).toEqual(['b', 'a']);
    // 51 % vs 49 %: headroom decides.
    expect(ids(quotaAware(list, context({ a: 0.51, b: 0.494 })))).toEqual(['a', 'b']);
  });

  it('a tie at equal priority keeps catalog order', () => {
    const list = [cand('c', 0, 2), cand('a', 0, 0), cand('b', 0, 1)];
    expect(ids(quotaAware(list, context({ a: 0.7, b: 0.7001, c: 0.699 })))).toEqual(['a', 'b', 'c']);
  });

  it('does not mutate its input', () => {
    const list = [cand('a', 0, 0), cand('b', 0, 1)];
    const copy = [...list];
    quotaAware(list, context({ a: 0.1, b: 0.9 }));
    expect(list).toEqual(copy);
  });
});

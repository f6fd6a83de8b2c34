import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type KeyUsage,
  ModelRouter,
  type StrategyCandidate,
  type StrategyContext,
  computeHeadroom,
  memoryQuota,
  quotaAware,
} from '../../src/index.js';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { mockProvider } from '../../src/testing/mock-provider.js';

/*
 * Property tests of the README's "Strategies" section, against oracles written from the text:
 * - headroom = min over the limited dimensions of Σ remaining / Σ limit over the pool's usable keys;
 *   a dimension with any unlimited key counts 1; no usable key → 0;
 * - quota_aware = headroom rounded to a whole percent, descending; ties → lower priority, then
 *   catalog order (the member's position in the group).
 * Fixed seeds: a failure prints the seed and path to replay it.
 */
const RUNS = { seed: 0x0a11_a5e, numRuns: 300 };

/** The README's formula, computed independently (dimension by dimension, keys in reverse order). */
function oracleHeadroom(keys: readonly KeyUsage[]): number {
  if (keys.length === 0) return 0;
  const dimension = (limit: (k: KeyUsage) => number | undefined, used: (k: KeyUsage) => number): number => {
    if (keys.some((k) => limit(k) === undefined)) return 1;
    let left = 0;
    let total = 0;
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const l = limit(k)!;
      total += l;
      left += Math.max(0, l - used(k));
    }
    return left / total;
  };
  return Math.min(
    dimension(
      (k) => k.rpm,
      (k) => k.requestsInWindow,
    ),
    dimension(
      (k) => k.tpm,
      (k) => k.tokensInWindow,
    ),
  );
}

/** Whole percent, rounded half up (the README's "resolution of one percentage point"). */
function percent(h: number): number {
  return Math.round(h * 100);
}

function oracleOrder<C extends { priority: number; index: number }>(
  items: C[],
  headroom: (c: C) => number,
): C[] {
  return [...items].sort(
    (a, b) => percent(headroom(b)) - percent(headroom(a)) || a.priority - b.priority || a.index - b.index,
  );
}

const limit = fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined, freq: 4 });
const keyUsage: fc.Arbitrary<KeyUsage> = fc
  .record({
    rpm: limit,
    tpm: limit,
    requestsInWindow: fc.integer({ min: 0, max: 1_200_000 }),
    tokensInWindow: fc.integer({ min: 0, max: 1_200_000 }),
  })
  .map((k) => {
    const out: KeyUsage = { requestsInWindow: k.requestsInWindow, tokensInWindow: k.tokensInWindow };
    if (k.rpm !== undefined) out.rpm = k.rpm;
    if (k.tpm !== undefined) out.tpm = k.tpm;
    return out;
  });

/** Headroom values that often tie or sit on a rounding boundary. */
const headroomValue = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.integer({ min: 0, max: 100 }).map((p) => p / 100),
  fc.integer({ min: 0, max: 99 }).map((p) => (p + 0.5) / 100),
  fc.constantFrom(0, 1, 0.004999, 0.005, 0.995, 0.99500001),
);

describe('computeHeadroom (property)', () => {
  it('matches the formula: min over limited dimensions of Σ remaining / Σ limit; unlimited key → 1', () => {
    fc.assert(
      fc.property(fc.array(keyUsage, { maxLength: 8 }), (keys) => {
        const h = computeHeadroom(keys);
        expect(h).toBeGreaterThanOrEqual(0);
        expect(h).toBeLessThanOrEqual(1);
        expect(h).toBeCloseTo(oracleHeadroom(keys), 12);
      }),
      RUNS,
    );
  });

  it('more usage never means more headroom; an unlimited key lifts its dimension to 1', () => {
    fc.assert(
      fc.property(
        fc.array(keyUsage, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.integer({ min: 1, max: 1000 }),
        (keys, which, extra) => {
          const i = which % keys.length;
          const more = keys.map((k, j) =>
            j === i
              ? {
                  ...k,
                  requestsInWindow: k.requestsInWindow + extra,
                  tokensInWindow: k.tokensInWindow + extra,
                }
              : k,
          );
          expect(computeHeadroom(more)).toBeLessThanOrEqual(computeHeadroom(keys) + 1e-12);
          const withUnlimited = [...keys, { requestsInWindow: 5, tokensInWindow: 5 }];
          expect(computeHeadroom(withUnlimited)).toBe(1);
        },
      ),
      RUNS,
    );
  });
});

describe('quotaAware ordering (property)', () => {
  const context = (headroom: Map<StrategyCandidate, number>): StrategyContext => ({
    now: 0,
    random: () => 0.5,
    groupName: 'g',
    headroom: (c) => headroom.get(c)!,
    inFlight: () => 0,
    latency: () => ({ latencyMs: undefined, ttftMs: undefined, samples: 0 }),
  });

  it('headroom rounded to a whole percent descending, then lower priority, then catalog order', () => {
    const members = fc.array(
      fc.record({ priority: fc.integer({ min: -2, max: 3 }), headroom: headroomValue }),
      { maxLength: 10 },
    );
    fc.assert(
      fc.property(members, fc.infiniteStream(fc.nat()), (list, shuffle) => {
        const candidates: StrategyCandidate[] = list.map((m, index) => ({
          providerId: `p${index}`,
          modelId: 'm',
          priority: m.priority,
          weight: 1,
          index,
        }));
        const headroom = new Map(candidates.map((c, i) => [c, list[i]!.headroom]));
        // The input order is not the catalog order: `index` is.
        const input = [...candidates];
        const it = shuffle[Symbol.iterator]();
        for (let i = input.length - 1; i > 0; i--) {
          const j = it.next().value! % (i + 1);
          [input[i], input[j]] = [input[j]!, input[i]!];
        }
        const frozen = [...input];
        const out = quotaAware(input, context(headroom));
        expect(input).toEqual(frozen); // pure: the input is not reordered
        expect(out.map((c) => c.index)).toEqual(
          oracleOrder(candidates, (c) => headroom.get(c)!).map((c) => c.index),
        );
      }),
      RUNS,
    );
  });
});

describe('router.plan() on random catalogs and quota usage (property)', () => {
  interface KeySpec {
    rpm?: number;
    tpm?: number;
    requests: number;
    tokens: number;
  }
  const keySpec: fc.Arbitrary<KeySpec> = fc
    .record({
      rpm: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined, freq: 3 }),
      tpm: fc.option(fc.integer({ min: 10, max: 4000 }), { nil: undefined, freq: 3 }),
      requests: fc.integer({ min: 0, max: 45 }),
      tokens: fc.integer({ min: 0, max: 400 }),
    })
    .map(({ rpm, tpm, requests, tokens }) => ({
      ...(rpm === undefined ? {} : { rpm }),
      ...(tpm === undefined ? {} : { tpm }),
      requests,
      tokens,
    }));
  const scenario = fc.record({
    providers: fc.array(fc.array(keySpec, { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
    members: fc.array(
      fc.record({
        provider: fc.nat(),
        model: fc.integer({ min: 0, max: 1 }),
        priority: fc.integer({ min: 0, max: 2 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    /** Which member is disabled (none when it points past the end). */
    disabled: fc.nat(),
  });

  it('orders the enabled members by the specification, with the headroom of the quota store', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ providers, members, disabled }) => {
        const pid = (i: number) => `p${i % providers.length}`;
        // One member per (provider, model); the rest are dropped (the catalog forbids duplicates).
        const seen = new Set<string>();
        const group = members
          .map((m, i) => ({
            providerId: pid(m.provider),
            modelId: `m${m.model}`,
            priority: m.priority,
            enabled: i !== disabled % (members.length + 1),
          }))
          .filter(
            (m) => !seen.has(`${m.providerId}/${m.modelId}`) && seen.add(`${m.providerId}/${m.modelId}`),
          );
        const catalog: CatalogInput = {
          providers: providers.map((keys, i) => ({
            id: `p${i}`,
            adapter: 'mock',
            keys: keys.map((k, j) => ({
              id: `k${j}`,
              secret: `secret-${i}-${j}`,
              ...(k.rpm === undefined ? {} : { rpm: k.rpm }),
              ...(k.tpm === undefined ? {} : { tpm: k.tpm }),
            })),
          })),
          models: providers.flatMap((_, i) => [
            { providerId: `p${i}`, modelId: 'm0' },
            { providerId: `p${i}`, modelId: 'm1' },
          ]),
          groups: [{ name: 'g', members: group }],
        };
        const clock = manualClock();
        const quota = memoryQuota({ clock });
        const router = new ModelRouter({ catalog, quota, adapters: { mock: mockProvider() }, clock });
        // Fill each key's window: reserve one request at a time (the store refuses past a limit),
        // then settle each with its share of the real tokens.
        for (const [i, keys] of providers.entries()) {
          for (const [j, k] of keys.entries()) {
            const qk = {
              providerId: `p${i}`,
              keyId: `k${j}`,
              ...(k.rpm ? { rpm: k.rpm } : {}),
              ...(k.tpm ? { tpm: k.tpm } : {}),
            };
            for (let n = 0; n < k.requests; n++) {
              const r = await quota.reserve({ keys: [qk], tokens: 1 });
              if (!r.ok) break;
              await quota.settle(r.lease, { tokens: n === 0 ? k.tokens : 0 });
            }
          }
        }
        await router.ready();
        const stats = router.stats();
        expect(stats.leases?.outstanding).toBe(0);
        const view = new Map(stats.keys.map((k) => [`${k.providerId}/${k.keyId}`, k]));
        const pool = (providerId: string): KeyUsage[] =>
          providers[Number(providerId.slice(1))]!.map((_, j) => {
            const s = view.get(`${providerId}/k${j}`)!;
            return {
              ...(s.rpm === undefined ? {} : { rpm: s.rpm }),
              ...(s.tpm === undefined ? {} : { tpm: s.tpm }),
              requestsInWindow: s.requestsInWindow,
              tokensInWindow: s.tokensInWindow,
            };
          });
        const entries = group.map((m, index) => ({
          ...m,
          index,
          headroom: oracleHeadroom(pool(m.providerId)),
        }));
        const active = entries.filter((m) => m.enabled);
        const expected = [...oracleOrder(active, (m) => m.headroom), ...entries.filter((m) => !m.enabled)];
        const plan = await router.plan('g');
        expect(plan.map((p) => `${p.providerId}/${p.modelId}`)).toEqual(
          expected.map((m) => `${m.providerId}/${m.modelId}`),
        );
        for (const [i, p] of plan.entries()) expect(p.headroom).toBeCloseTo(expected[i]!.headroom, 12);
        for (const p of plan)
          if (!expected.find((m) => m.providerId === p.providerId && m.modelId === p.modelId)!.enabled)
            expect(p.skip).toBe('disabled');
        await router.close();
      }),
      { ...RUNS, numRuns: 150 },
    );
  });
});

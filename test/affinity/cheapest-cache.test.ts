import { describe, expect, it } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { expectReleased, rejectsWith, setup } from '../router/helpers.js';

/**
 * a: $3 in, $0.30 cache read, $15 out; b: no cache price, `bInput` in, $15 out. Group "g" = [a, b]
 * under `strategy`.
 */
function catalog(bInput: number, strategy = 'cheapest'): CatalogInput {
  return {
    providers: [
      { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 'secret-a1' }] },
      { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 'secret-b1' }] },
    ],
    models: [
      {
        providerId: 'a',
        modelId: 'm',
        inputCostPerMTok: 3,
        cacheReadCostPerMTok: 0.3,
        outputCostPerMTok: 15,
      },
      { providerId: 'b', modelId: 'm', inputCostPerMTok: bInput, outputCostPerMTok: 15 },
    ],
    groups: [
      {
        name: 'g',
        failoverStrategy: strategy,
        members: [
          { providerId: 'a', modelId: 'm', priority: 0 },
          { providerId: 'b', modelId: 'm', priority: 1 },
        ],
      },
    ],
  };
}

// An agent session: a 10,000-token system prompt, then turns. The default estimate is characters / 4
// plus 4 tokens per message.
const system = { role: 'system' as const, content: 'x'.repeat(40_000) };
const turn1 = [system, { role: 'user' as const, content: 'fix the parser' }];
const turn2 = [
  ...turn1,
  { role: 'assistant' as const, content: 'Looking at it.' },
  { role: 'user' as const, content: 'and add a test' },
];
/** turn2's estimate: 40,042 characters and 4 messages. */
const PROMPT = Math.ceil(40_042 / 4) + 16;
/** What turn1 sent (system and first user message): likely in the cache of the key that served it. */
const CACHED = Math.ceil(40_014 / 4) + 8;
const OUT = 100;
const aCached = ((PROMPT - CACHED) * 3 + CACHED * 0.3 + OUT * 15) / 1e6; // ≈ $0.0045
const aList = (PROMPT * 3 + OUT * 15) / 1e6; // ≈ $0.0316

/** Turn 1 of session `key` served by a: b (cheaper at list price) fails its first call. */
async function pinnedOnA(bInput: number, strategy?: string) {
  const s = setup({ catalog: catalog(bInput, strategy), b: { script: [{ error: { status: 503 } }] } });
  await s.router.complete({ model: 'g', messages: turn1, maxTokens: OUT, affinityKey: 'sess' });
  expect(s.a.calls.map((c) => c.keyId)).toEqual(['a1']);
  s.a.reset();
  s.b.reset();
  return s;
}

const next = { messages: turn2, maxTokens: OUT, affinityKey: 'sess' };

describe('cheapest weighs a pinned session’s prompt cache', () => {
  it('stays on the candidate with its cache while that is the cheapest with the cache discount, dearer at list price or not', async () => {
    // b at $2 in: ≈ $0.0216 — cheaper than a at list price ($0.0316), dearer than a with its cache.
    const { router, a, b } = await pinnedOnA(2);
    const plan = await router.plan('g', { request: next });
    expect(plan.map((c) => c.providerId)).toEqual(['a', 'b']);
    expect(plan[0]!.affinity).toMatchObject({ applied: true, keyId: 'a1', cachedPromptTokens: CACHED });
    expect(plan[0]!.affinity!.expectedCostUsd).toBeCloseTo(aCached, 12);
    for (let i = 0; i < 3; i++) await router.complete({ model: 'g', ...next });
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1', 'a1', 'a1']);
    expect(b.calls).toHaveLength(0);
    // A new session (no entry) has no cache to weigh: list prices, b first.
    const fresh = await router.plan('g', { request: { ...next, affinityKey: 'other' } });
    expect(fresh.map((c) => c.providerId)).toEqual(['b', 'a']);
    expect(fresh[0]!.affinity).toEqual({ applied: false, reason: 'no_entry' });
    expectReleased(router);
  });

  it('moves when another candidate is cheaper even with the cache discount, and the entry follows', async () => {
    // b at $0.20 in: ≈ $0.0035, below a's ≈ $0.0045 with its cache.
    const { router, a, b } = await pinnedOnA(0.2);
    const plan = await router.plan('g', { request: next });
    expect(plan.map((c) => c.providerId)).toEqual(['b', 'a']);
    const onA = plan.find((c) => c.providerId === 'a')!;
    expect(onA.affinity).toMatchObject({
      applied: false,
      keyId: 'a1',
      reason: 'cheaper_elsewhere',
      cachedPromptTokens: CACHED,
    });
    expect(onA.affinity!.expectedCostUsd).toBeCloseTo(aCached, 12);
    await router.complete({ model: 'g', ...next });
    expect(b.calls.map((c) => c.keyId)).toEqual(['b1']);
    expect(a.calls).toHaveLength(0);
    // The session is on b now: its entry names b1 (b has no cache price, so nothing to weigh).
    const after = await router.plan('g', { request: next });
    expect(after[0]).toMatchObject({ providerId: 'b', affinity: { applied: true, keyId: 'b1' } });
    expectReleased(router);

    // Under any other strategy the pin holds as before, cheaper elsewhere or not.
    const other = await pinnedOnA(0.2, 'priority');
    await other.router.complete({ model: 'g', ...next });
    expect(other.a.calls.map((c) => c.keyId)).toEqual(['a1']);
    expect(other.b.calls).toHaveLength(0);
  });

  it('maxCostUsd admits a pinned session by its cached cost, and refuses the same request without an entry', async () => {
    // b ≈ $0.0216 and a at list ≈ $0.0316 are above $0.01; a with the session's cache ≈ $0.0045 is not.
    const { router, a, b } = await pinnedOnA(2);
    expect(aCached).toBeLessThan(0.01);
    expect(aList).toBeGreaterThan(0.01);
    const capped = { ...next, maxCostUsd: 0.01 };
    const plan = await router.plan('g', { request: capped });
    expect(plan.map((c) => [c.providerId, c.skip])).toEqual([
      ['a', undefined],
      ['b', 'cost_ceiling'],
    ]);
    expect(plan[0]!.affinity).toMatchObject({ applied: true, keyId: 'a1', cachedPromptTokens: CACHED });
    const result = await router.complete({ model: 'g', ...capped });
    expect(result.model.providerId).toBe('a');
    expect(a.calls.map((c) => c.keyId)).toEqual(['a1']);

    // No entry (another session): every candidate is above the ceiling at list price.
    const none = { ...capped, affinityKey: 'new-session' };
    const refused = await router.plan('g', { request: none });
    expect(refused.map((c) => c.skip)).toEqual(['cost_ceiling', 'cost_ceiling']);
    const error = await rejectsWith(router.complete({ model: 'g', ...none }), 'COST_LIMIT_EXCEEDED');
    expect((error.details as { cheapestUsd: number }).cheapestUsd).toBeGreaterThan(0.01);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expectReleased(router);
  });
});

import { afterEach, expect, it } from 'vitest';
import { ModelRouter, RouterError, type UsageRecord, openaiCompatible } from '../../src/index.js';
import { expectReleased } from '../http/harness.js';
import { embeddingsReply, openaiUpstream } from '../helpers/openai-upstream.js';

/*
 * Embeddings under load, with chat traffic beside them: 1,200 requests (a third embeddings) at
 * concurrency 40 over two upstreams that fail on a seeded schedule (500, 429 with Retry-After,
 * malformed vectors, hangs the caller aborts). Invariants: a usage record for every upstream request
 * (exactly one per attempt), every request settled once, every slot released.
 */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** A small deterministic generator (mulberry32). */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it('keeps the release and usage invariants under mixed embeddings and chat load', async () => {
  const random = prng(14);
  const fault = () => {
    const r = random();
    if (r < 0.06) return { status: 500, json: { error: { message: 'boom', type: 'server_error' } } };
    if (r < 0.1)
      return {
        status: 429,
        json: { error: { message: 'slow', type: 'rate_limit_error' } },
        headers: { 'retry-after-ms': '5' },
      };
    if (r < 0.13) return { hang: true as const };
    return undefined;
  };
  const handler = (req: { path: string; body: Record<string, unknown> }) => {
    const f = fault();
    if (f) return f;
    if (req.path === '/embeddings') {
      if (random() < 0.03) return { json: { data: [{ index: 0, embedding: 'x!' }] } }; // malformed
      return { json: embeddingsReply(req.body) };
    }
    return {
      json: {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      },
    };
  };
  const upA = await openaiUpstream(handler);
  const upB = await openaiUpstream(handler);
  open.push(upA, upB);
  const records: UsageRecord[] = [];
  const router = new ModelRouter({
    catalog: {
      providers: [
        {
          id: 'a',
          adapter: 'openai',
          baseUrl: upA.url,
          keys: [
            { id: 'a1', secret: 'sk-a1', maxConcurrent: 8 },
            { id: 'a2', secret: 'sk-a2', maxConcurrent: 8 },
          ],
        },
        {
          id: 'b',
          adapter: 'openai',
          baseUrl: upB.url,
          keys: [{ id: 'b1', secret: 'sk-b1', maxConcurrent: 12 }],
        },
      ],
      models: [
        { providerId: 'a', modelId: 'm' },
        { providerId: 'b', modelId: 'm2' },
      ],
      groups: [
        {
          name: 'g',
          members: [
            { providerId: 'a', modelId: 'm' },
            { providerId: 'b', modelId: 'm2' },
          ],
        },
      ],
    },
    adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }) },
    cooldown: { minMs: 1, defaultMs: 5, maxMs: 20 },
    onUsage: (r) => void records.push(r),
  });
  open.push(router);

  const TOTAL = 1_200;
  let next = 0;
  const settled = new Map<number, number>();
  const outcomes: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: 40 }, async () => {
      while (next < TOTAL) {
        const i = next++;
        const controller = new AbortController();
        // Hung upstream calls end by the caller giving up.
        // Generous: it ends hung calls, not slow ones (a loaded CI machine serves these in 100s of ms).
        const timer = setTimeout(() => controller.abort(new Error('gave up')), 2_000);
        const options = { signal: controller.signal, requestId: `r${i}` };
        const embed = i % 3 === 0;
        try {
          if (embed) {
            const res = await router.embed({ model: 'g', input: [`text ${i}`, 'b'] }, options);
            expect(res.embeddings).toHaveLength(2);
            expect(res.embeddings[1]).toEqual([1, 1.5, -2]);
          } else {
            await router.complete({ model: 'g', messages: [{ role: 'user', content: `hi ${i}` }] }, options);
          }
          outcomes.ok = (outcomes.ok ?? 0) + 1;
        } catch (error) {
          const code = RouterError.isInstance(error) ? error.code : 'non-router';
          outcomes[code] = (outcomes[code] ?? 0) + 1;
        } finally {
          clearTimeout(timer);
          settled.set(i, (settled.get(i) ?? 0) + 1);
        }
      }
    }),
  );
  expect(settled.size).toBe(TOTAL);
  expect([...settled.values()].every((n) => n === 1)).toBe(true);
  expect(outcomes['non-router']).toBeUndefined();
  expect(outcomes.ok ?? 0, JSON.stringify(outcomes)).toBeGreaterThan(TOTAL * 0.5);
  // Every request that reached an upstream has its usage record; the only records beyond them are
  // attempts the caller aborted before their request was whole on the upstream's side.
  await upA.closed(upA.requests.length);
  await upB.closed(upB.requests.length);
  const reached = upA.requests.length + upB.requests.length;
  expect(records.length).toBeGreaterThanOrEqual(reached);
  expect(records.filter((r) => r.status !== 'aborted').length).toBeLessThanOrEqual(reached);
  expect(records.length - reached).toBeLessThanOrEqual(records.filter((r) => r.status === 'aborted').length);
  const keys = new Set(records.map((r) => `${r.requestId}#${r.attempt}`));
  expect(keys.size).toBe(records.length);
  const embedRecords = records.filter((r) => Number(r.requestId.slice(1)) % 3 === 0);
  expect(embedRecords.length).toBeGreaterThan(300);
  for (const r of embedRecords) expect(r.completionTokens).toBe(0);
  expectReleased(router);
}, 60_000);

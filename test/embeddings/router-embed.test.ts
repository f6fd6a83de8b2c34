import { afterEach, describe, expect, it } from 'vitest';
import {
  ModelRouter,
  type ProviderAdapter,
  RouterError,
  type UsageRecord,
  openaiCompatible,
} from '../../src/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { expectReleased } from '../http/harness.js';
import { type UpstreamHandler, embeddingsReply, openaiUpstream } from '../helpers/openai-upstream.js';

/*
 * router.embed() through real openaiCompatible adapters against node:http upstreams: the same
 * resolution, key pools, tpm accounting, failover, usage records and release as complete().
 */

function decodeFloat32(s: string): number[] {
  const bytes = Buffer.from(s, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(a: UpstreamHandler, b: UpstreamHandler = (r) => ({ json: embeddingsReply(r.body) })) {
  const upA = await openaiUpstream(a);
  const upB = await openaiUpstream(b);
  open.push(upA, upB);
  const records: UsageRecord[] = [];
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'chat-only', adapter: 'mock', keys: [{ id: 'm1', secret: 'sk-mock' }] },
        {
          id: 'a',
          adapter: 'openai',
          baseUrl: upA.url,
          keys: [
            { id: 'a1', secret: 'sk-a1', tpm: 100_000 },
            { id: 'a2', secret: 'sk-a2', tpm: 100_000 },
          ],
        },
        { id: 'b', adapter: 'openai', baseUrl: upB.url, keys: [{ id: 'b1', secret: 'sk-b1' }] },
      ],
      models: [
        { providerId: 'chat-only', modelId: 'chat-model' },
        { providerId: 'a', modelId: 'text-embedding-3-small' },
        { providerId: 'b', modelId: 'embed-b' },
      ],
      groups: [
        {
          name: 'embeddings',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'chat-only', modelId: 'chat-model', priority: 0 },
            { providerId: 'a', modelId: 'text-embedding-3-small', priority: 1 },
            { providerId: 'b', modelId: 'embed-b', priority: 2 },
          ],
        },
        { name: 'chat-only-group', members: [{ providerId: 'chat-only', modelId: 'chat-model' }] },
      ],
    },
    adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9/unused' }), mock: mockProvider() },
    onUsage: (r) => void records.push(r),
  });
  open.push(router);
  return { router, upA, upB, records };
}

describe('router.embed()', () => {
  it('embeds through the group, skipping a chat-only candidate, and records usage once', async () => {
    const { router, upA, records } = await setup((r) => ({ json: embeddingsReply(r.body) }));
    const res = await router.embed({ model: 'embeddings', input: ['alpha', 'beta gamma'], dimensions: 3 });
    expect(res.embeddings).toEqual([
      [0, 0.5, -1],
      [1, 1.5, -2],
    ]);
    expect(res).toMatchObject({
      providerId: 'a',
      modelId: 'text-embedding-3-small',
      groupName: 'embeddings',
    });
    expect(res.responseModel).toBe('text-embedding-3-small-2025');
    expect(res.usage).toEqual({ promptTokens: 5, completionTokens: 0, totalTokens: 5, estimated: false });
    expect(res.attempts.map((a) => [a.providerId, a.status])).toEqual([['a', 'success']]);
    expect(upA.requests[0]!.path).toBe('/embeddings');
    expect(upA.requests[0]!.body).toEqual({
      model: 'text-embedding-3-small',
      input: ['alpha', 'beta gamma'],
      dimensions: 3,
    });
    expect(upA.requests[0]!.headers.authorization).toBe('Bearer sk-a1');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'success', providerId: 'a', promptTokens: 5, stream: false });
    // tpm accounting: the reservation was reconciled to the reported tokens.
    const key = router.stats().keys.find((k) => k.keyId === 'a1')!;
    expect(key.tokensInWindow).toBe(5);
    expect(key.requestsInWindow).toBe(1);
    expectReleased(router);
  });

  it('returns base64 as the upstream sent it, and puts vectors back in input order', async () => {
    const { router, upA } = await setup((r) => ({ json: embeddingsReply(r.body, { reverse: true }) }));
    const res = await router.embed({ model: 'embeddings', input: ['x', 'y', 'z'], encodingFormat: 'base64' });
    expect(upA.requests[0]!.body.encoding_format).toBe('base64');
    const decoded = res.embeddings.map(decodeFloat32);
    expect(decoded).toEqual([
      [0, 0.5, -1],
      [1, 1.5, -2],
      [2, 2.5, -3],
    ]);
    const floats = await router.embed({ model: 'embeddings', input: ['x', 'y'] });
    expect(floats.embeddings[1]).toEqual([1, 1.5, -2]);
  });

  it('converts between encodings when an adapter answers in the other one', async () => {
    const floatsOnly: ProviderAdapter = {
      ...mockProvider(),
      name: 'floats',
      embed: async (call) => ({ embeddings: call.request.input.map((_, i) => [i, 0.25]) }),
    };
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'f', adapter: 'floats', keys: [{ id: 'f1', secret: 's' }] }],
        models: [{ providerId: 'f', modelId: 'emb' }],
      },
      adapters: { floats: floatsOnly },
    });
    open.push(router);
    const res = await router.embed({ model: 'emb', input: 'one', encodingFormat: 'base64' });
    expect(res.embeddings).toEqual([Buffer.from(new Float32Array([0, 0.25]).buffer).toString('base64')]);
    // No usage from the adapter: the prompt is estimated, completion is 0.
    expect(res.usage).toMatchObject({ completionTokens: 0, estimated: true });
  });

  it('fails over invisibly: 429 rotates to the next key, 500 to the next candidate', async () => {
    const { router, upA, upB, records } = await setup((_r, i) =>
      i === 0
        ? {
            status: 429,
            json: { error: { message: 'slow down', type: 'rate_limit_error' } },
            headers: { 'retry-after': '7' },
          }
        : { status: 500, json: { error: { message: 'boom', type: 'server_error' } } },
    );
    const res = await router.embed({ model: 'embeddings', input: 'hello' });
    expect(res.providerId).toBe('b');
    expect(res.embeddings).toEqual([[0, 0.5, -1]]);
    expect(upA.requests.map((r) => r.headers.authorization)).toEqual(['Bearer sk-a1', 'Bearer sk-a2']);
    expect(upB.requests).toHaveLength(1);
    expect(res.attempts.map((a) => [a.keyId, a.status, a.httpStatus])).toEqual([
      ['a1', 'error', 429],
      ['a2', 'error', 500],
      ['b1', 'success', undefined],
    ]);
    expect(records.map((r) => [r.keyId, r.status])).toEqual([
      ['a1', 'error'],
      ['a2', 'error'],
      ['b1', 'success'],
    ]);
    const a1 = router.stats().keys.find((k) => k.keyId === 'a1')!;
    expect(a1.coolingUntil).toBeGreaterThan(Date.now());
    expectReleased(router);
  });

  it('treats a reply with the wrong number of vectors as a provider failure and moves on', async () => {
    const { router } = await setup(() => ({ json: { data: [{ index: 0, embedding: [1] }], usage: {} } }));
    const res = await router.embed({ model: 'embeddings', input: ['one', 'two'] });
    expect(res.providerId).toBe('b');
    expect(res.attempts[0]).toMatchObject({ status: 'error', errorKind: 'protocol' });
  });

  it('stops on a 400 (no failover) and names the provider error', async () => {
    const { router, upB } = await setup(() => ({
      status: 400,
      json: {
        error: {
          message: "This model's maximum context length is 8192 tokens",
          type: 'invalid_request_error',
        },
      },
    }));
    const error = await router.embed({ model: 'embeddings', input: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(upB.requests).toHaveLength(0);
    expectReleased(router);
  });

  it('plan({ operation: "embed" }) shows the chat-only candidate as no_embed', async () => {
    const { router } = await setup((r) => ({ json: embeddingsReply(r.body) }));
    const forEmbed = await router.plan('embeddings', { operation: 'embed' });
    expect(forEmbed.map((c) => [c.providerId, c.skip])).toEqual([
      ['chat-only', 'no_embed'],
      ['a', undefined],
      ['b', undefined],
    ]);
    const forChat = await router.plan('embeddings');
    expect(forChat[0]!.skip).toBeUndefined();
    await expect(router.plan('embeddings', { operation: 'draw' as never })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });

  it('a model with no embedding-capable candidate is NO_CANDIDATES, with nothing spent', async () => {
    const { router, records } = await setup((r) => ({ json: embeddingsReply(r.body) }));
    const error = await router.embed({ model: 'chat-only-group', input: 'x' }).catch((e) => e);
    expect(RouterError.isInstance(error) && error.code).toBe('NO_CANDIDATES');
    expect(records).toHaveLength(0);
  });

  it('an abort cancels the upstream call and releases everything', async () => {
    const { router, upA } = await setup(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = router.embed({ model: 'embeddings', input: 'x' }, { signal: controller.signal });
    while (upA.requests.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    const error = await pending.catch((e) => e);
    expect(RouterError.isInstance(error) && error.code).toBe('ABORTED');
    await upA.closed(1);
    expect(upA.requests[0]!.aborted).toBe(true);
    expectReleased(router);
  });

  it('validates at the boundary and spends nothing on bad input', async () => {
    const { router, records } = await setup((r) => ({ json: embeddingsReply(r.body) }));
    for (const bad of [
      { model: 'embeddings', input: [] },
      { model: 'embeddings', input: [1, 2] },
      { model: 'embeddings', input: 'x', encodingFormat: 'int8' },
      { model: 'embeddings', input: 'x', dimensions: -1 },
      { model: 'embeddings', input: 'x', messages: [] },
      { model: 'embeddings', input: new Array(2049).fill('x') },
    ]) {
      const error = await router.embed(bad as never).catch((e) => e);
      expect(RouterError.isInstance(error) && error.code, JSON.stringify(bad).slice(0, 80)).toBe(
        'VALIDATION',
      );
    }
    expect(records).toHaveLength(0);
    expectReleased(router);
  });

  it('a hostile upstream (bad index, non-vector, duplicate index) never reaches the caller', async () => {
    const bodies = [
      { data: [{ index: 5, embedding: [1] }] },
      { data: [{ index: 0, embedding: { a: 1 } }] },
      { data: [{ index: 0, embedding: 'not base64!' }] },
      { data: [{ index: 0, embedding: ['1'] }] },
    ];
    for (const body of bodies) {
      const { router } = await setup(() => ({ json: body }));
      const res = await router.embed({ model: 'embeddings', input: 'x' });
      expect(res.providerId, JSON.stringify(body)).toBe('b');
    }
    const { router } = await setup(() => ({
      json: {
        data: [
          { index: 0, embedding: [1] },
          { index: 0, embedding: [2] },
        ],
      },
    }));
    const res = await router.embed({ model: 'embeddings', input: ['x', 'y'] });
    expect(res.providerId).toBe('b');
  });
});

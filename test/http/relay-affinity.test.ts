import Anthropic from '@anthropic-ai/sdk';
import { ModelRouter } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import { type MockProvider, mockProvider } from 'model-router/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, expectReleased, serve } from './harness.js';

// One provider with three keys; the upstream reports a prompt-cache read on every call.
let mock: MockProvider;
let router: ModelRouter;
let server: TestServer;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  mock = mockProvider({
    name: 'mock',
    fallback: {
      text: 'ok',
      usage: { promptTokens: 1200, completionTokens: 2, totalTokens: 1202, cachedPromptTokens: 1024 },
    },
  });
  router = new ModelRouter({
    catalog: {
      providers: [
        {
          id: 'p',
          adapter: 'mock',
          keys: ['k1', 'k2', 'k3'].map((id) => ({ id, secret: `sk-${id}`, rpm: 1000 })),
        },
      ],
      models: [{ providerId: 'p', modelId: 'm' }],
      groups: [{ name: 'agent', members: [{ providerId: 'p', modelId: 'm' }] }],
    },
    adapters: { mock },
  });
  server = await serve(createRelayHandler(router));
  openai = new OpenAI({ apiKey: 'client-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'client-key', baseURL: server.url, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await router.close();
});

/** The keys each session's calls went to, from the calls made since `from`. */
function keysBySession(from: number, session: (c: MockProvider['calls'][number]) => string) {
  const out = new Map<string, Set<string>>();
  for (const c of mock.calls.slice(from)) {
    const s = session(c);
    if (!out.has(s)) out.set(s, new Set());
    out.get(s)!.add(c.keyId);
  }
  return out;
}

const sessions = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];

describe('relay: affinity keys from the wire and cached tokens in the answers', () => {
  it('chat completions: prompt_cache_key pins a session to one key; cached_tokens is reported', async () => {
    const from = mock.calls.length;
    for (let turn = 0; turn < 3; turn++) {
      for (const s of sessions) {
        const res = await openai.chat.completions.create({
          model: 'agent',
          messages: [{ role: 'user', content: `turn ${turn}` }],
          prompt_cache_key: `chat-${s}`,
        });
        expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(1024);
      }
    }
    const keys = keysBySession(from, (c) => c.request.affinityKey!);
    expect(keys.size).toBe(sessions.length);
    for (const [s, k] of keys) expect(k.size, s).toBe(1);
    expect(new Set([...keys.values()].flatMap((k) => [...k])).size).toBe(3); // spread over the pool
    expectReleased(router);
  });

  it('chat completions: `user` pins too (the default derivation); streams report cached_tokens', async () => {
    const from = mock.calls.length;
    for (let turn = 0; turn < 3; turn++) {
      const stream = await openai.chat.completions.create({
        model: 'agent',
        messages: [{ role: 'user', content: `turn ${turn}` }],
        user: 'user-42',
        stream: true,
        stream_options: { include_usage: true },
      });
      let cached: number | undefined;
      for await (const chunk of stream)
        if (chunk.usage) cached = chunk.usage.prompt_tokens_details?.cached_tokens;
      expect(cached).toBe(1024);
    }
    expect(new Set(mock.calls.slice(from).map((c) => c.keyId)).size).toBe(1);
  });

  it('responses: prompt_cache_key pins a session; input_tokens_details.cached_tokens is reported', async () => {
    const from = mock.calls.length;
    for (let turn = 0; turn < 3; turn++) {
      for (const s of sessions) {
        const res = await openai.responses.create({
          model: 'agent',
          input: `turn ${turn}`,
          prompt_cache_key: `resp-${s}`,
        });
        expect(res.usage?.input_tokens_details.cached_tokens).toBe(1024);
      }
    }
    const keys = keysBySession(from, (c) => c.request.affinityKey!);
    expect(keys.size).toBe(sessions.length);
    for (const [s, k] of keys) expect(k.size, s).toBe(1);
  });

  it('messages: metadata.user_id pins a session; cache_read_input_tokens is reported', async () => {
    const from = mock.calls.length;
    for (let turn = 0; turn < 3; turn++) {
      for (const s of sessions) {
        const msg = await anthropic.messages.create({
          model: 'agent',
          max_tokens: 64,
          messages: [{ role: 'user', content: `turn ${turn}` }],
          metadata: { user_id: `msg-${s}` },
        });
        expect(msg.usage.cache_read_input_tokens).toBe(1024);
        expect(msg.usage.input_tokens).toBe(1200 - 1024);
      }
    }
    const keys = keysBySession(from, (c) => c.request.affinityKey!);
    expect(keys.size).toBe(sessions.length);
    for (const [s, k] of keys) expect(k.size, s).toBe(1);
    expectReleased(router);
  });

  it('a hostile prompt_cache_key is a 400 in the wire format, and nothing is called', async () => {
    const from = mock.calls.length;
    const error = await openai.chat.completions
      .create({
        model: 'agent',
        messages: [{ role: 'user', content: 'x' }],
        prompt_cache_key: 'k'.repeat(1001),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(mock.calls.length).toBe(from);
  });
});

describe('relay: a per-tenant cost ceiling through transformRequest', () => {
  it('COST_LIMIT_EXCEEDED is a 400 in both wire formats, and nothing is called', async () => {
    const upstream = mockProvider({ name: 'mock' });
    const priced = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'mock', keys: [{ id: 'k1', secret: 'sk-k1' }] }],
        models: [{ providerId: 'p', modelId: 'm', inputCostPerMTok: 3, outputCostPerMTok: 15 }],
      },
      adapters: { mock: upstream },
    });
    const relay = await serve(
      createRelayHandler(priced, { transformRequest: (req) => ({ ...req, maxCostUsd: 0.000001 }) }),
    );
    try {
      const client = new OpenAI({ apiKey: 'client-key', baseURL: `${relay.url}/v1`, maxRetries: 0 });
      const error = await client.chat.completions
        .create({ model: 'p/m', messages: [{ role: 'user', content: 'x' }], max_tokens: 100 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('COST_LIMIT_EXCEEDED');
      const claude = new Anthropic({ apiKey: 'client-key', baseURL: relay.url, maxRetries: 0 });
      const refused = await claude.messages
        .create({ model: 'p/m', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
      expect(upstream.calls).toHaveLength(0);
    } finally {
      await relay.close();
      await priced.close();
    }
  });
});

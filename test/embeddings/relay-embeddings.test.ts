import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter, openaiCompatible } from '../../src/index.js';
import { createRelayHandler } from '../../src/http/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { expectReleased, serve } from '../http/harness.js';
import { type UpstreamHandler, embeddingsReply, openaiUpstream } from '../helpers/openai-upstream.js';

/* POST /v1/embeddings through the relay on node:http, driven by the official `openai` client. */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(a: UpstreamHandler, relayOptions: Parameters<typeof createRelayHandler>[1] = {}) {
  const upA = await openaiUpstream(a);
  const upB = await openaiUpstream((r) => ({ json: embeddingsReply(r.body) }));
  open.push(upA, upB);
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'a', adapter: 'openai', baseUrl: upA.url, keys: [{ id: 'a1', secret: 'sk-a1' }] },
        { id: 'b', adapter: 'openai', baseUrl: upB.url, keys: [{ id: 'b1', secret: 'sk-b1' }] },
        { id: 'chat', adapter: 'mock', keys: [{ id: 'c1', secret: 'sk-c1' }] },
      ],
      models: [
        { providerId: 'a', modelId: 'text-embedding-3-small' },
        { providerId: 'b', modelId: 'embed-b' },
        { providerId: 'chat', modelId: 'chat-only' },
      ],
      groups: [
        {
          name: 'embed',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'a', modelId: 'text-embedding-3-small', priority: 0 },
            { providerId: 'b', modelId: 'embed-b', priority: 1 },
          ],
        },
      ],
    },
    adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }), mock: mockProvider() },
  });
  open.push(router);
  const server = await serve(createRelayHandler(router, relayOptions));
  open.push(server);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'relay-key', maxRetries: 0 });
  return { router, client, upA, upB };
}

describe('POST /v1/embeddings with the openai client', () => {
  it('float: vectors in input order, usage, the asked model name', async () => {
    const { client, upA, router } = await setup((r) => ({
      json: embeddingsReply(r.body, { reverse: true }),
    }));
    const res = await client.embeddings.create({
      model: 'embed',
      input: ['first', 'second', 'third'],
      encoding_format: 'float',
    });
    expect(res.object).toBe('list');
    expect(res.model).toBe('embed');
    expect(res.data.map((d) => [d.index, d.embedding])).toEqual([
      [0, [0, 0.5, -1]],
      [1, [1, 1.5, -2]],
      [2, [2, 2.5, -3]],
    ]);
    expect(res.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    expect(upA.requests[0]!.body).toEqual({
      model: 'text-embedding-3-small',
      input: ['first', 'second', 'third'],
      encoding_format: 'float',
    });
    expectReleased(router);
  });

  it('base64 (the client default): passed through and decoded by the client', async () => {
    const { client, upA } = await setup((r) => ({ json: embeddingsReply(r.body) }));
    const res = await client.embeddings.create({ model: 'embed', input: 'only one', dimensions: 3 });
    expect(upA.requests[0]!.body).toMatchObject({ encoding_format: 'base64', dimensions: 3 });
    expect(res.data[0]!.embedding).toEqual([0, 0.5, -1]);
    // Asked explicitly, base64 comes back as a string.
    const raw = await client.embeddings.create({
      model: 'embed',
      input: ['a', 'b'],
      encoding_format: 'base64',
    });
    expect(typeof raw.data[1]!.embedding).toBe('string');
  });

  it('fails over before answering, invisibly to the client', async () => {
    const { client, upA, upB } = await setup(() => ({
      status: 503,
      json: { error: { message: 'overloaded', type: 'server_error' } },
    }));
    const res = await client.embeddings
      .create({ model: 'embed', input: ['x', 'y'], encoding_format: 'float' })
      .withResponse();
    expect(res.data.data.map((d) => d.embedding)).toEqual([
      [0, 0.5, -1],
      [1, 1.5, -2],
    ]);
    expect(res.response.headers.get('x-model-router-model')).toBe('b/embed-b');
    expect(upA.requests).toHaveLength(1);
    expect(upB.requests).toHaveLength(1);
  });

  it('answers errors in OpenAI shape: token inputs 400, a chat-only model 400, unknown model 404', async () => {
    const { client } = await setup((r) => ({ json: embeddingsReply(r.body) }));
    const tokens = await client.embeddings.create({ model: 'embed', input: [[1, 2, 3]] }).catch((e) => e);
    expect(tokens).toBeInstanceOf(OpenAI.BadRequestError);
    expect(tokens.message).toMatch(/token-id inputs are not supported/);
    const chat = await client.embeddings.create({ model: 'chat-only', input: 'x' }).catch((e) => e);
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect(chat.code).toBe('NO_CANDIDATES');
    const unknown = await client.embeddings.create({ model: 'nope', input: 'x' }).catch((e) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    const empty = await client.embeddings.create({ model: 'embed', input: [] }).catch((e) => e);
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('transformEmbedRequest can refuse or rewrite a request', async () => {
    const { client, upA } = await setup((r) => ({ json: embeddingsReply(r.body) }), {
      transformEmbedRequest: (req) => ({ ...req, user: 'tenant-7' }),
    });
    await client.embeddings.create({ model: 'embed', input: 'x' });
    expect(upA.requests[0]!.body.user).toBe('tenant-7');
  });

  it('a client that goes away cancels the upstream call and releases everything', async () => {
    const { client, upA, router } = await setup(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = client.embeddings
      .create({ model: 'embed', input: 'x' }, { signal: controller.signal })
      .catch((e) => e);
    while (upA.requests.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    await upA.closed(1);
    expect(upA.requests[0]!.aborted).toBe(true);
    while (router.stats().inFlight > 0) await new Promise((r) => setImmediate(r));
    expectReleased(router);
  });
});

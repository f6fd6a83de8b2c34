import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import { ModelRouter, type UsageRecord, openaiCompatible } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, serve } from './harness.js';

/**
 * A relay over the real `openaiCompatible` adapter, whose upstream (node:http on 127.0.0.1) names
 * its model with a dated id and reports usage only when `upstream.usage` is on. Group "g" = [down
 * (always 500), up]: every request fails over once.
 */
const upstream = { usage: true };
let upstreamServer: Server;
let upstreamUrl = '';
const records: UsageRecord[] = [];
let router: ModelRouter;
const relays: TestServer[] = [];
const clients: Record<'served' | 'requested' | 'mark', OpenAI> = {} as never;
let relayUrl = '';

const UPSTREAM_MODEL = 'm-2025-01-01';

function upstreamHandler(body: { stream?: boolean }, res: import('node:http').ServerResponse): void {
  const usage = { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'up-1',
        object: 'chat.completion',
        created: 1,
        model: UPSTREAM_MODEL,
        choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
        ...(upstream.usage ? { usage } : {}),
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (extra: object) =>
    `data: ${JSON.stringify({ id: 'up-1', object: 'chat.completion.chunk', created: 1, model: UPSTREAM_MODEL, ...extra })}\n\n`;
  res.write(
    chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'hel' }, finish_reason: null }] }),
  );
  res.write(chunk({ choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] }));
  if (upstream.usage) res.write(chunk({ choices: [], usage }));
  res.end('data: [DONE]\n\n');
}

beforeAll(async () => {
  upstreamServer = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.url?.startsWith('/down/')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'down', type: 'server_error' } }));
        return;
      }
      upstreamHandler(JSON.parse(raw) as { stream?: boolean }, res);
    });
  });
  await new Promise<void>((resolve) => upstreamServer.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}`;
  router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'down', adapter: 'down', keys: [{ id: 'd1', secret: 'sk-down' }] },
        { id: 'up', adapter: 'up', keys: [{ id: 'u1', secret: 'sk-up' }] },
      ],
      models: [
        { providerId: 'down', modelId: 'd' },
        { providerId: 'up', modelId: 'm' },
      ],
      groups: [
        {
          name: 'g',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'down', modelId: 'd', priority: 0 },
            { providerId: 'up', modelId: 'm', priority: 1 },
          ],
        },
      ],
    },
    adapters: {
      down: openaiCompatible({ baseURL: `${upstreamUrl}/down/v1` }),
      up: openaiCompatible({ baseURL: `${upstreamUrl}/up/v1` }),
    },
    circuitBreaker: { failureThreshold: 1_000 },
    onUsage: (r) => void records.push(r),
  });
  for (const [name, options] of [
    ['served', {}],
    ['requested', { responseModel: 'requested' }],
    ['mark', { estimatedUsage: 'mark' }],
  ] as const) {
    const relay = await serve(createRelayHandler(router, options));
    relays.push(relay);
    if (name === 'served') relayUrl = relay.url;
    clients[name] = new OpenAI({ apiKey: 'k', baseURL: `${relay.url}/v1`, maxRetries: 0 });
  }
});
afterAll(async () => {
  for (const relay of relays) await relay.close();
  await router.close();
  await new Promise<void>((resolve) => upstreamServer.close(() => resolve()));
});

const hi = [{ role: 'user' as const, content: 'hi' }];

describe('responses say which model served', () => {
  it('the body names the upstream-reported model; headers name the group and providerId/modelId', async () => {
    upstream.usage = true;
    const { data, response } = await clients.served.chat.completions
      .create({ model: 'g', messages: hi })
      .withResponse();
    expect(data.model).toBe(UPSTREAM_MODEL);
    expect(response.headers.get('x-model-router-group')).toBe('g');
    expect(response.headers.get('x-model-router-model')).toBe('up/m');
  });

  it('the Responses route names the group and providerId/modelId in its headers too, streamed or not', async () => {
    upstream.usage = true;
    const plain = await clients.served.responses.create({ model: 'g', input: 'hi' }).withResponse();
    expect(plain.data.output_text).toBe('hello');
    expect(plain.response.headers.get('x-model-router-group')).toBe('g');
    expect(plain.response.headers.get('x-model-router-model')).toBe('up/m');
    const streamed = await clients.served.responses
      .create({ model: 'g', input: 'hi', stream: true })
      .withResponse();
    for await (const _event of streamed.data) {
      // drain
    }
    expect(streamed.response.headers.get('x-model-router-group')).toBe('g');
    expect(streamed.response.headers.get('x-model-router-model')).toBe('up/m');
  });

  it('streamed chunks name the serving model (the catalog modelId: the upstream id comes only at the end)', async () => {
    const stream = await clients.served.chat.completions.create({ model: 'g', messages: hi, stream: true });
    const models = new Set<string>();
    for await (const chunk of stream) models.add(chunk.model);
    expect([...models]).toEqual(['m']);
  });

  it("responseModel: 'requested' keeps the name the client asked for, in the body and the chunks", async () => {
    const data = await clients.requested.chat.completions.create({ model: 'g', messages: hi });
    expect(data.model).toBe('g');
    const stream = await clients.requested.chat.completions.create({
      model: 'g',
      messages: hi,
      stream: true,
    });
    for await (const chunk of stream) expect(chunk.model).toBe('g');
  });

  it('the AI SDK through the relay sees the serving model as response.modelId', async () => {
    const openai = createOpenAI({ apiKey: 'k', baseURL: `${relayUrl}/v1` });
    const result = await generateText({ model: openai.chat('g'), prompt: 'hi' });
    expect(result.response.modelId).toBe(UPSTREAM_MODEL);
  });
});

describe('estimated usage is never presented as measured', () => {
  it('reported usage goes out as is', async () => {
    upstream.usage = true;
    const { data, response } = await clients.served.chat.completions
      .create({ model: 'g', messages: hi })
      .withResponse();
    expect(data.usage).toEqual({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
    expect(response.headers.get('x-model-router-usage')).toBeNull();
  });

  it('by default an estimate is left out, a header says so, and the usage record keeps the flag', async () => {
    upstream.usage = false;
    records.length = 0;
    const { data, response } = await clients.served.chat.completions
      .create({ model: 'g', messages: hi })
      .withResponse();
    expect(data.usage).toBeUndefined();
    expect(response.headers.get('x-model-router-usage')).toBe('estimated');
    const served = records.find((r) => r.status === 'success');
    expect(served).toMatchObject({ providerId: 'up', estimated: true });
    expect(served!.totalTokens).toBeGreaterThan(0);

    const stream = await clients.served.chat.completions.create({
      model: 'g',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    const usages: unknown[] = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toEqual([]); // no usage chunk rather than made-up numbers
  });

  it("estimatedUsage: 'mark' sends the estimate marked estimated: true", async () => {
    upstream.usage = false;
    const data = await clients.mark.chat.completions.create({ model: 'g', messages: hi });
    expect(data.usage).toMatchObject({ estimated: true });
    expect(data.usage!.total_tokens).toBeGreaterThan(0);
    const stream = await clients.mark.chat.completions.create({
      model: 'g',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    const usages: unknown[] = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toEqual([expect.objectContaining({ estimated: true })]);
  });

  it('createRelayHandler refuses unknown values for the new options', () => {
    expect(() => createRelayHandler(router, { responseModel: 'group' as never })).toThrow(/responseModel/);
    expect(() => createRelayHandler(router, { estimatedUsage: 'keep' as never })).toThrow(/estimatedUsage/);
  });
});

import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter, openaiCompatible } from '../../src/index.js';
import { createRelayHandler } from '../../src/http/index.js';
import { expectReleased, serve } from '../http/harness.js';
import { type UpstreamHandler, openaiUpstream } from '../helpers/openai-upstream.js';

/*
 * POST /v1/responses through the relay on node:http, driven by the official openai client, served
 * by chat-completions upstreams (node:http mocks that record what they received).
 */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const chatReply = (message: Record<string, unknown>, finish = 'stop') => ({
  json: {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-up',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 },
  },
});
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-up',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usageChunk = {
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-up',
  choices: [],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
};

async function setup(a: UpstreamHandler, b?: UpstreamHandler) {
  const upA = await openaiUpstream(a);
  const upB = await openaiUpstream(b ?? (() => chatReply({ content: 'from b' })));
  open.push(upA, upB);
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'a', adapter: 'openai', baseUrl: upA.url, keys: [{ id: 'a1', secret: 'sk-a' }] },
        { id: 'b', adapter: 'openai', baseUrl: upB.url, keys: [{ id: 'b1', secret: 'sk-b' }] },
      ],
      models: [
        { providerId: 'a', modelId: 'model-a' },
        { providerId: 'b', modelId: 'model-b' },
      ],
      groups: [
        {
          name: 'codex',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'a', modelId: 'model-a', priority: 0 },
            { providerId: 'b', modelId: 'model-b', priority: 1 },
          ],
        },
      ],
    },
    adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }) },
  });
  open.push(router);
  const server = await serve(createRelayHandler(router));
  open.push(server);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'relay', maxRetries: 0 });
  return { router, client, upA, upB };
}

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};

describe('POST /v1/responses (non-streamed)', () => {
  it('string input and instructions: translated, answered as a response object', async () => {
    const { client, upA, router } = await setup(() => chatReply({ content: 'Hello there' }));
    const res = await client.responses.create({
      model: 'codex',
      instructions: 'be brief',
      input: 'hi',
      max_output_tokens: 64,
      temperature: 0.2,
      store: false,
    });
    expect(res.object).toBe('response');
    expect(res.id).toMatch(/^resp_/);
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe('Hello there');
    expect(res.usage).toMatchObject({ input_tokens: 20, output_tokens: 4, total_tokens: 24 });
    expect(upA.requests[0]!.body).toMatchObject({
      model: 'model-a',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 64,
      temperature: 0.2,
    });
    expectReleased(router);
  });

  it('function tools round trip: function_call out, function_call_output back in', async () => {
    const { client, upA } = await setup((_r, i) =>
      i === 0
        ? chatReply(
            {
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
                },
              ],
            },
            'tool_calls',
          )
        : chatReply({ content: 'It is 3°C in Oslo.' }),
    );
    const first = await client.responses.create({
      model: 'codex',
      input: 'weather in Oslo?',
      tools: [weather],
    });
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({
      type: 'function_call',
      call_id: 'call_1',
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
    });
    expect(upA.requests[0]!.body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'get_weather', description: 'weather for a city', parameters: weather.parameters },
      },
    ]);
    const second = await client.responses.create({
      model: 'codex',
      tools: [weather],
      input: [
        { role: 'user', content: 'weather in Oslo?' },
        ...(first.output as never[]),
        { type: 'function_call_output', call_id: 'call_1', output: '3°C' },
      ],
    });
    expect(second.output_text).toBe('It is 3°C in Oslo.');
    expect(upA.requests[1]!.body.messages).toEqual([
      { role: 'user', content: 'weather in Oslo?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '3°C' },
    ]);
  });

  it('text.format json_schema becomes response_format', async () => {
    const { client, upA } = await setup(() => chatReply({ content: '{"ok":true}' }));
    const schema = {
      type: 'object',
      properties: { ok: { type: 'boolean' } },
      required: ['ok'],
      additionalProperties: false,
    };
    await client.responses.create({
      model: 'codex',
      input: 'json please',
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
    });
    expect(upA.requests[0]!.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema, strict: true },
    });
  });

  it('previous_response_id and item references are a clear 400 (stateless), never a 500', async () => {
    const { client, upA } = await setup(() => chatReply({ content: 'x' }));
    const prev = await client.responses
      .create({ model: 'codex', input: 'hi', previous_response_id: 'resp_123' })
      .catch((e) => e);
    expect(prev).toBeInstanceOf(OpenAI.BadRequestError);
    expect(prev.message).toMatch(/stateless/);
    expect(prev.error?.param).toBe('previous_response_id');
    const ref = await client.responses
      .create({ model: 'codex', input: [{ type: 'item_reference', id: 'msg_1' }] })
      .catch((e) => e);
    expect(ref).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = await client.responses
      .create({ model: 'codex', input: [{ type: 'function_call', call_id: 'c' } as never] })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(upA.requests).toHaveLength(0);
  });
});

describe('POST /v1/responses (streamed)', () => {
  it('emits the Responses event sequence with sequence numbers; finalResponse() has the text', async () => {
    const { client, router } = await setup(() => ({
      sse: [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hel' }),
        chunk({ content: 'lo' }),
        chunk({}, 'stop'),
        usageChunk,
        '[DONE]',
      ],
    }));
    const stream = client.responses.stream({ model: 'codex', input: 'hi' });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const e of stream) events.push(e);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Hello');
    expect(final.usage).toMatchObject({ input_tokens: 9, output_tokens: 2 });
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expectReleased(router);
  });

  it('streams function calls as function_call items with argument deltas', async () => {
    const { client } = await setup(() => ({
      sse: [
        chunk({
          tool_calls: [
            { index: 0, id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Rome"}' } }] }),
        chunk({
          tool_calls: [
            {
              index: 1,
              id: 'call_10',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      ],
    }));
    const stream = client.responses.stream({
      model: 'codex',
      input: 'two cities',
      tools: [weather],
      parallel_tool_calls: true,
    });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    const final = await stream.finalResponse();
    expect(final.output.map((o) => (o.type === 'function_call' ? [o.call_id, o.arguments] : o.type))).toEqual(
      [
        ['call_9', '{"city":"Rome"}'],
        ['call_10', '{"city":"Oslo"}'],
      ],
    );
    expect(types.filter((t) => t === 'response.function_call_arguments.delta')).toHaveLength(3);
    expect(types.at(-1)).toBe('response.completed');
  });

  it('fails over before the first token invisibly', async () => {
    const { client, upA, upB } = await setup(
      () => ({ status: 500, json: { error: { message: 'boom', type: 'server_error' } } }),
      () => ({ sse: [chunk({ content: 'from b' }), chunk({}, 'stop'), '[DONE]'] }),
    );
    const stream = client.responses.stream({ model: 'codex', input: 'hi' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('from b');
    expect(upA.requests).toHaveLength(1);
    expect(upB.requests).toHaveLength(1);
  });

  it('a client that stops reading cancels the upstream and releases everything', async () => {
    const { client, upA, router } = await setup(() => ({
      sse: [chunk({ content: 'first' })],
      hangAfter: true,
    }));
    const controller = new AbortController();
    const stream = await client.responses.create(
      { model: 'codex', input: 'hi', stream: true },
      { signal: controller.signal },
    );
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta') break;
    }
    await upA.closed(1);
    expect(upA.requests[0]!.aborted).toBe(true);
    while (router.stats().inFlight > 0) await new Promise((r) => setImmediate(r));
    expectReleased(router);
  });
});

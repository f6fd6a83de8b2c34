import { readFileSync } from 'node:fs';
import { ModelRouter, openaiCompatible, openaiResponses } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type Upstream, type UpstreamHandler, openaiUpstream } from '../helpers/openai-upstream.js';
import { type TestServer, expectReleased, serve } from '../http/harness.js';

/*
 * The `openaiResponses` adapter against an upstream that replays recorded Responses wire formats
 * (test/fixtures/openai-responses: a non-streamed response with an encrypted reasoning item and a
 * function call; a streamed one with a reasoning summary, its encrypted state and text). Stateless:
 * the encrypted reasoning of one turn goes back, unchanged, on the next.
 */
const fixture = (name: string) => new URL(`../fixtures/openai-responses/${name}`, import.meta.url);
const toolResponse = JSON.parse(readFileSync(fixture('response-reasoning-tool.json'), 'utf8'));
const streamEvents: Array<[string, unknown]> = readFileSync(fixture('stream-reasoning-text.sse'), 'utf8')
  .trim()
  .split('\n\n')
  .map((frame) => {
    const [event, data] = frame.split('\n');
    return [event!.slice('event: '.length), JSON.parse(data!.slice('data: '.length))];
  });
const ENCRYPTED_1 = toolResponse.output[0].encrypted_content as string;
const ENCRYPTED_2 = 'gAAAAABoofDa-encrypted-reasoning-state-turn-2-c3RyZWFtZWQ=';

const open: Array<{ close(): Promise<void> }> = [];
const routers: ModelRouter[] = [];
afterEach(async () => {
  for (const r of routers.splice(0)) {
    expectReleased(r);
    await r.close();
  }
  for (const o of open.splice(0)) await o.close();
});

async function upstream(handler: UpstreamHandler): Promise<Upstream> {
  const u = await openaiUpstream(handler);
  open.push(u);
  return u;
}

/** Group `agent` = [responses upstream, chat upstream] (or the other way round with `chatFirst`). */
function makeRouter(resp: Upstream, chat: Upstream, chatFirst = false): ModelRouter {
  const router = new ModelRouter({
    catalog: {
      providers: [
        {
          id: 'oa-resp',
          adapter: 'responses',
          baseUrl: `${resp.url}/v1`,
          keys: [{ id: 'r1', secret: 'sk-resp-key' }],
        },
        {
          id: 'oa-chat',
          adapter: 'chat',
          baseUrl: `${chat.url}/v1`,
          keys: [{ id: 'c1', secret: 'sk-chat-key' }],
        },
      ],
      models: [
        { providerId: 'oa-resp', modelId: 'gpt-5' },
        { providerId: 'oa-chat', modelId: 'gpt-4o-mini' },
      ],
      groups: [
        {
          name: 'agent',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'oa-resp', modelId: 'gpt-5', priority: chatFirst ? 1 : 0 },
            { providerId: 'oa-chat', modelId: 'gpt-4o-mini', priority: chatFirst ? 0 : 1 },
          ],
        },
      ],
    },
    adapters: { responses: openaiResponses(), chat: openaiCompatible({ baseURL: `${chat.url}/v1` }) },
  });
  routers.push(router);
  return router;
}

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const chatReply = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'from chat' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};

describe('openaiResponses(): the Responses API as an upstream', () => {
  it('two turns, stateless: store false, encrypted reasoning included, and sent back unchanged next turn', async () => {
    const resp = await upstream((_req, i) => (i === 0 ? { json: toolResponse } : { sse: streamEvents }));
    const chat = await upstream(() => ({ json: chatReply }));
    const r = makeRouter(resp, chat);
    const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }];
    const first = await r.complete({ model: 'agent', messages, tools });

    expect(first.message.toolCalls).toEqual([
      { id: 'call_QxY2zR8kLmN4pT6vW1aB3cD5', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(first.message.reasoning).toEqual([
      {
        type: 'reasoning',
        family: 'openai',
        id: 'rs_68a1f0c3a0d4819089b1f2e3d4c5b6a70',
        text: '**Finding the weather tool**\n\nThe user wants the weather in Paris.',
        data: ENCRYPTED_1,
      },
    ]);
    expect(first.finishReason.unified).toBe('tool_calls');
    expect(first.usage).toMatchObject({ promptTokens: 71, completionTokens: 152, reasoningTokens: 128 });
    expect(first.responseModel).toBe('gpt-5-2025-08-07');
    const sent1 = resp.requests[0]!;
    expect(sent1.path).toBe('/v1/responses');
    expect(sent1.headers.authorization).toBe('Bearer sk-resp-key');
    expect(sent1.body).toMatchObject({
      model: 'gpt-5',
      store: false,
      include: ['reasoning.encrypted_content'],
      input: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', name: 'get_weather', parameters: tools[0]!.function.parameters }],
    });
    expect(sent1.body.stream).toBeUndefined();

    // Turn 2 (streamed): the assistant turn with its reasoning and call, then the tool's answer.
    const turn2 = [
      ...messages,
      {
        role: 'assistant' as const,
        content: first.message.reasoning!,
        toolCalls: first.message.toolCalls!,
      },
      { role: 'tool' as const, toolCallId: 'call_QxY2zR8kLmN4pT6vW1aB3cD5', content: '18°C, sunny' },
    ];
    const stream = r.stream({ model: 'agent', messages: turn2, tools });
    let text = '';
    const reasoning: unknown[] = [];
    for await (const part of stream) {
      if (part.type === 'text-delta') text += part.text;
      if (part.type === 'reasoning-delta') reasoning.push(part);
      expect(part.type).not.toBe('wire'); // only a Responses front door gets the upstream's events
    }
    const result = await stream.result;
    expect(text).toBe('It is 18°C and sunny in Paris.');
    expect(result.message.reasoning).toEqual([
      {
        type: 'reasoning',
        family: 'openai',
        id: 'rs_68a1f0da11c08190a1b2c3d4e5f6a7b80',
        text: '**Reading the forecast**',
        data: ENCRYPTED_2,
      },
    ]);
    expect(result.usage).toMatchObject({ promptTokens: 112, cachedPromptTokens: 64, completionTokens: 90 });
    expect(result.finishReason.unified).toBe('stop');
    expect(reasoning.length).toBe(2); // the summary as it streamed, then the encrypted state

    const sent2 = resp.requests[1]!.body;
    expect(sent2.stream).toBe(true);
    expect(sent2.input).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        type: 'reasoning',
        id: 'rs_68a1f0c3a0d4819089b1f2e3d4c5b6a70',
        summary: [
          {
            type: 'summary_text',
            text: '**Finding the weather tool**\n\nThe user wants the weather in Paris.',
          },
        ],
        encrypted_content: ENCRYPTED_1,
      },
      {
        type: 'function_call',
        call_id: 'call_QxY2zR8kLmN4pT6vW1aB3cD5',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
      { type: 'function_call_output', call_id: 'call_QxY2zR8kLmN4pT6vW1aB3cD5', output: '18°C, sunny' },
    ]);
    expect(chat.requests).toHaveLength(0);
  });

  it('reasoning of another family is not sent to a Responses upstream: dropped with a warning', async () => {
    const resp = await upstream(() => ({ json: toolResponse }));
    const chat = await upstream(() => ({ json: chatReply }));
    const r = makeRouter(resp, chat);
    const result = await r.complete({
      model: 'oa-resp/gpt-5',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', family: 'anthropic', text: 'thinking', signature: 'sig-anthropic' },
            { type: 'text', text: 'hello' },
          ],
        },
        { role: 'user', content: 'weather?' },
      ],
    });
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'reasoning_dropped' })]);
    const body = JSON.stringify(resp.requests[0]!.body);
    expect(body).not.toContain('sig-anthropic');
    expect(resp.requests[0]!.body.input).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'output_text', text: 'hello', annotations: [] }] },
      { role: 'user', content: 'weather?' },
    ]);
  });

  it('failover both ways before the first token: Responses 503 → chat upstream; chat 500 → Responses upstream, streamed', async () => {
    const respDown = await upstream(() => ({
      status: 503,
      json: { error: { message: 'overloaded', type: 'server_error' } },
    }));
    const chatOk = await upstream(() => ({ json: chatReply }));
    const served = await makeRouter(respDown, chatOk).complete({
      model: 'agent',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(served.model.providerId).toBe('oa-chat');
    expect(served.message.content).toBe('from chat');
    expect(served.attempts[0]).toMatchObject({ providerId: 'oa-resp', status: 'error', httpStatus: 503 });
    expect(respDown.requests[0]!.path).toBe('/v1/responses');

    const chatDown = await upstream(() => ({ status: 500, json: { error: { message: 'boom' } } }));
    const respOk = await upstream(() => ({ sse: streamEvents }));
    const stream = makeRouter(respOk, chatDown, true).stream({
      model: 'agent',
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    for await (const p of stream) if (p.type === 'text-delta') text += p.text;
    expect(text).toBe('It is 18°C and sunny in Paris.');
    expect((await stream.result).model.providerId).toBe('oa-resp');
    expect(chatDown.requests.length).toBeGreaterThan(0);
    expect(respOk.requests[0]!.body.stream).toBe(true);
  });
});

describe('the relay’s /v1/responses over an openaiResponses upstream: pass-through', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('responses.create and responses.stream: the client body reaches the upstream as sent, the answer comes back unchanged', async () => {
    const resp = await upstream((req) => (req.body.stream ? { sse: streamEvents } : { json: toolResponse }));
    const chat = await upstream(() => ({ json: chatReply }));
    server = await serve(createRelayHandler(makeRouter(resp, chat)));
    const client = new OpenAI({ apiKey: 'client-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const request = {
      model: 'agent',
      store: false,
      include: ['reasoning.encrypted_content' as const],
      reasoning: { effort: 'medium' as const, summary: 'auto' as const },
      parallel_tool_calls: true,
      input: [
        { role: 'user' as const, content: 'Weather in Paris?' },
        {
          type: 'reasoning' as const,
          id: 'rs_earlier',
          summary: [],
          encrypted_content: 'gAAAAAB-earlier-turn-state',
        },
      ],
      tools: [
        {
          type: 'function' as const,
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          strict: false,
        },
      ],
    };
    const created = await client.responses.create(request);
    // The upstream's own object, encrypted reasoning included (output_text is the SDK's addition).
    expect(created).toEqual({ ...toolResponse, output_text: '' });
    const sent = resp.requests[0]!.body;
    expect(sent).toEqual({ ...request, model: 'gpt-5' }); // Responses-only fields and items, unchanged
    expect(JSON.stringify(resp.requests[0]!.headers)).not.toContain('client-key');

    const stream = client.responses.stream(request);
    const types: string[] = [];
    stream.on('event', (e) => types.push(e.type));
    const final = await stream.finalResponse();
    expect(types).toEqual(streamEvents.map(([t]) => t));
    expect(final.output[0]).toMatchObject({ type: 'reasoning', encrypted_content: ENCRYPTED_2 });
    expect(final.output_text).toBe('It is 18°C and sunny in Paris.');
    expect(resp.requests[1]!.body).toEqual({ ...request, model: 'gpt-5', stream: true });
    expect(chat.requests).toHaveLength(0);
  });
});

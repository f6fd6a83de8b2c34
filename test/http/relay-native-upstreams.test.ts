import { ModelRouter, bedrock, gemini } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvents, eventStreamResponse, streamFixture } from '../providers/event-stream-helpers.js';
import { exchange, sseFixture, sseResponse } from '../providers/helpers.js';
import { type TestServer, expectReleased, serve } from './harness.js';

/*
 * The official OpenAI client, through the relay's chat-completions route, served by a Gemini and a
 * Bedrock upstream. The upstreams are replays of their wire formats behind the adapters' injected
 * fetch (the client's own requests to the relay go over a real socket).
 */

type Upstream = (url: string, body: Record<string, unknown>) => Response;
interface Seen {
  url: string;
  body: Record<string, unknown>;
}

function upstream(seen: Seen[], answer: Upstream): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    seen.push({ url, body });
    return answer(url, body);
  };
}

const json = (provider: string, name: string): Response => {
  const ex = exchange(provider, name);
  return new Response(JSON.stringify(ex.body), { status: ex.status, headers: ex.headers });
};

const geminiSeen: Seen[] = [];
const bedrockSeen: Seen[] = [];
let geminiDown = false;

const geminiFetch = upstream(geminiSeen, (url, body) => {
  if (geminiDown) return json('gemini', 'error-503');
  const contents = body.contents as { role: string; parts: Record<string, unknown>[] }[];
  const last = contents.at(-1)!.parts.at(-1)!;
  if (url.includes(':streamGenerateContent')) {
    return sseResponse(sseFixture('gemini', body.tools ? 'stream-function-call' : 'stream-text'));
  }
  if (body.tools && !('functionResponse' in last)) return json('gemini', 'generate-function-call');
  return json('gemini', 'generate-plain');
});

const bedrockFetch = upstream(bedrockSeen, (url, body) => {
  if (url.endsWith('/converse-stream')) {
    return eventStreamResponse(
      encodeEvents(streamFixture(body.toolConfig ? 'stream-tool-use' : 'stream-text')),
    );
  }
  return json('bedrock', body.toolConfig ? 'converse-tool-use' : 'converse-plain');
});

const router = new ModelRouter({
  catalog: {
    providers: [
      { id: 'google', adapter: 'gemini', keys: [{ id: 'g1', secret: 'gemini-relay-key' }] },
      {
        id: 'aws',
        adapter: 'bedrock',
        keys: [
          { id: 'b1', secret: JSON.stringify({ accessKeyId: 'AKIDRELAY', secretAccessKey: 'relay-secret' }) },
        ],
      },
    ],
    models: [
      { providerId: 'google', modelId: 'gemini-2.5-flash' },
      { providerId: 'aws', modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0' },
    ],
    groups: [
      { name: 'gem', members: [{ providerId: 'google', modelId: 'gemini-2.5-flash' }] },
      { name: 'bed', members: [{ providerId: 'aws', modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0' }] },
      {
        name: 'chat',
        failoverStrategy: 'priority',
        members: [
          { providerId: 'google', modelId: 'gemini-2.5-flash', priority: 0 },
          { providerId: 'aws', modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0', priority: 1 },
        ],
      },
    ],
  },
  adapters: {
    gemini: gemini({ fetch: geminiFetch }),
    bedrock: bedrock({ region: 'us-east-1', fetch: bedrockFetch }),
  },
});

let server: TestServer;
let client: OpenAI;
beforeAll(async () => {
  server = await serve(createRelayHandler(router));
  client = new OpenAI({ apiKey: 'relay-client-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await router.close();
});

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

describe('an OpenAI client served by a Gemini upstream', () => {
  it('completes: text without the thought summary, usage with cached tokens', async () => {
    const res = await client.chat.completions.create({
      model: 'gem',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(res.usage).toMatchObject({ prompt_tokens: 1200, completion_tokens: 59, total_tokens: 1259 });
    expect(geminiSeen.at(-1)!.url).toContain('/models/gemini-2.5-flash:generateContent');
    expectReleased(router);
  });

  it("reports Gemini's thought tokens as reasoning tokens: the router's usage, chat completions (plain and streamed) and the Responses API", async () => {
    const direct = await router.complete({ model: 'gem', messages: [{ role: 'user', content: 'Hi' }] });
    expect(direct.usage).toMatchObject({ completionTokens: 59, reasoningTokens: 50 });
    const res = await client.chat.completions.create({
      model: 'gem',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(50);
    let streamed: OpenAI.CompletionUsage | undefined;
    for await (const chunk of await client.chat.completions.create({
      model: 'gem',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi' }],
    })) {
      streamed = chunk.usage ?? streamed;
    }
    // 4 candidate tokens + 20 thought tokens in the last chunk's usageMetadata.
    expect(streamed).toMatchObject({
      completion_tokens: 24,
      completion_tokens_details: { reasoning_tokens: 20 },
    });
    const response = await client.responses.create({ model: 'gem', input: 'Hi' });
    expect(response.usage).toMatchObject({
      output_tokens: 59,
      output_tokens_details: { reasoning_tokens: 50 },
    });
    expectReleased(router);
  });

  it('runs a tool loop: function calls out, tool results back as functionResponse with a signature on each call', async () => {
    const first = await client.chat.completions.create({
      model: 'gem',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
    });
    const calls = first.choices[0]!.message.tool_calls!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(calls.map((c) => c.type === 'function' && c.function.name)).toEqual(['get_weather', 'get_time']);
    const second = await client.chat.completions.create({
      model: 'gem',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0]!.message,
        ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: '{"ok":true}' })),
      ],
    });
    expect(second.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    const sent = geminiSeen.at(-1)!.body.contents as { role: string; parts: Record<string, unknown>[] }[];
    const model = sent.find((c) => c.role === 'model')!;
    // The chat wire has no place for signatures: each call carries one (the real one if the relay
    // round-tripped it, else Google's documented placeholder), so Gemini 3 does not refuse the turn.
    for (const part of model.parts) expect(typeof part.thoughtSignature).toBe('string');
    expect(sent.at(-1)!.parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { ok: true } } },
      { functionResponse: { name: 'get_time', response: { ok: true } } },
    ]);
    expectReleased(router);
  });

  it('streams text and tool calls as chat.completion.chunk events', async () => {
    let text = '';
    for await (const chunk of await client.chat.completions.create({
      model: 'gem',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Hello, wörld!');
    const names: string[] = [];
    for await (const chunk of await client.chat.completions.create({
      model: 'gem',
      stream: true,
      tools,
      messages: [{ role: 'user', content: 'Weather?' }],
    })) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? [])
        if (call.function?.name) names.push(call.function.name);
    }
    expect(names).toEqual(['get_weather', 'get_time']);
    expectReleased(router);
  });
});

describe('an OpenAI client served by a Bedrock upstream', () => {
  it('completes and streams (binary event stream in, SSE out), SigV4-signed upstream', async () => {
    const res = await client.chat.completions.create({
      model: 'bed',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help?');
    expect(res.usage).toMatchObject({ prompt_tokens: 2060, completion_tokens: 8 });
    // Converse reports no reasoning tokens apart (its output tokens include them): none made up.
    expect(res.usage?.completion_tokens_details).toBeUndefined();
    expect(bedrockSeen.at(-1)!.url).toBe(
      `https://bedrock-runtime.us-east-1.amazonaws.com/model/${encodeURIComponent('anthropic.claude-sonnet-4-5-20250929-v1:0')}/converse`,
    );
    let text = '';
    for await (const chunk of await client.chat.completions.create({
      model: 'bed',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Hello, wörld 👋');
    expectReleased(router);
  });

  it('streams a tool use whose arguments arrive in fragments', async () => {
    let args = '';
    let name = '';
    for await (const chunk of await client.chat.completions.create({
      model: 'bed',
      stream: true,
      tools,
      messages: [{ role: 'user', content: 'Weather?' }],
    })) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name ||= call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
    }
    expect([name, JSON.parse(args)]).toEqual(['get_weather', { city: 'Paris' }]);
    expectReleased(router);
  });
});

describe('failover between the two through the relay', () => {
  it('Gemini overloaded (503) → Bedrock serves; the response names who answered', async () => {
    geminiDown = true;
    try {
      const { data, response } = await client.chat.completions
        .create({ model: 'chat', messages: [{ role: 'user', content: 'Hi' }] })
        .withResponse();
      expect(data.choices[0]!.message.content).toBe('Hello! How can I help?');
      expect(response.headers.get('x-model-router-model')).toBe(
        'aws/anthropic.claude-sonnet-4-5-20250929-v1:0',
      );
    } finally {
      geminiDown = false;
    }
    expectReleased(router);
  });
});

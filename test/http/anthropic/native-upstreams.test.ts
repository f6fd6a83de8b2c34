import Anthropic from '@anthropic-ai/sdk';
import { ModelRouter, bedrock, gemini } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvents, streamFixture } from '../../providers/event-stream-helpers.js';
import { exchange, sseFixture } from '../../providers/helpers.js';
import { type TestServer, expectReleased, serve } from '../harness.js';
import { type Received, type Reply, type Upstream, upstream } from './harness.js';

/*
 * The official Anthropic client, through the relay's /v1/messages route, served by a Gemini and a
 * Bedrock upstream: node:http servers on 127.0.0.1 that answer with the providers' recorded wire
 * formats (Gemini JSON and SSE, Bedrock JSON and its binary event stream, framed by the same codec).
 * Cross-format both ways: the client's Messages body becomes generateContent / Converse, the
 * upstreams' replies come back as a Message or Anthropic's event sequence.
 */

const fixtureReply =
  (provider: string, name: string): Reply =>
  (_req, res) => {
    const ex = exchange(provider, name);
    res.writeHead(ex.status, ex.headers);
    res.end(JSON.stringify(ex.body));
  };

/** The SSE fixture written a few bytes at a time, so events straddle writes. */
const geminiSse =
  (name: string): Reply =>
  async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    const bytes = Buffer.from(sseFixture('gemini', name));
    for (let i = 0; i < bytes.length; i += 41) {
      res.write(bytes.subarray(i, i + 41));
      await new Promise<void>((r) => setImmediate(r));
    }
    res.end();
  };

const bedrockStream =
  (name: string): Reply =>
  async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    const bytes = encodeEvents(streamFixture(name));
    for (let i = 0; i < bytes.length; i += 29) {
      res.write(bytes.subarray(i, i + 29));
      await new Promise<void>((r) => setImmediate(r));
    }
    res.end();
  };

let geminiDown = false;
const geminiReply: Reply = (req, res) => {
  if (geminiDown) return fixtureReply('gemini', 'error-503')(req, res);
  const contents = req.body.contents as { role: string; parts: Record<string, unknown>[] }[];
  const last = contents.at(-1)!.parts.at(-1)!;
  if (req.path.includes(':streamGenerateContent'))
    return geminiSse(req.body.tools ? 'stream-function-call' : 'stream-text')(req, res);
  if (req.body.tools && !('functionResponse' in last))
    return fixtureReply('gemini', 'generate-function-call')(req, res);
  return fixtureReply('gemini', 'generate-plain')(req, res);
};
const bedrockReply: Reply = (req, res) => {
  if (req.path.endsWith('/converse-stream'))
    return bedrockStream(req.body.toolConfig ? 'stream-tool-use' : 'stream-text')(req, res);
  return fixtureReply('bedrock', req.body.toolConfig ? 'converse-tool-use' : 'converse-plain')(req, res);
};

const BEDROCK_MODEL = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
let google: Upstream;
let aws: Upstream;
let router: ModelRouter;
let server: TestServer;
let client: Anthropic;

beforeAll(async () => {
  google = await upstream(geminiReply);
  aws = await upstream(bedrockReply);
  router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'google', adapter: 'gemini', keys: [{ id: 'g1', secret: 'gemini-relay-key' }] },
        {
          id: 'aws',
          adapter: 'bedrock',
          keys: [
            {
              id: 'b1',
              secret: JSON.stringify({ accessKeyId: 'AKIDRELAY', secretAccessKey: 'relay-secret' }),
            },
          ],
        },
      ],
      models: [
        { providerId: 'google', modelId: 'gemini-2.5-flash' },
        { providerId: 'aws', modelId: BEDROCK_MODEL },
      ],
      groups: [
        { name: 'gem', members: [{ providerId: 'google', modelId: 'gemini-2.5-flash' }] },
        { name: 'bed', members: [{ providerId: 'aws', modelId: BEDROCK_MODEL }] },
        {
          name: 'chat',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'google', modelId: 'gemini-2.5-flash', priority: 0 },
            { providerId: 'aws', modelId: BEDROCK_MODEL, priority: 1 },
          ],
        },
      ],
    },
    adapters: {
      gemini: gemini({ baseURL: google.url }),
      bedrock: bedrock({ region: 'us-east-1', baseURL: aws.url.replace(/\/v1$/, '') }),
    },
  });
  server = await serve(createRelayHandler(router));
  client = new Anthropic({ baseURL: server.url, apiKey: 'client-key-never-forwarded', maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await router.close();
  await google.close();
  await aws.close();
});

const tools: Anthropic.Tool[] = [
  { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
  { name: 'get_time', input_schema: { type: 'object', properties: {} } },
];

const lastSeen = (up: Upstream): Received => up.received.at(-1)!;

describe('an Anthropic client served by a Gemini upstream', () => {
  it('creates a Message: system and user turns as generateContent, text and usage back, the key in x-goog-api-key only', async () => {
    const msg = await client.messages.create({
      model: 'gem',
      max_tokens: 200,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    const text = msg.content.filter((b) => b.type === 'text').map((b) => (b as Anthropic.TextBlock).text);
    expect(text.join('')).toBe('Hello! How can I help you today?');
    expect(msg.stop_reason).toBe('end_turn');
    // 9 candidate tokens + 50 thought tokens are output; 1,024 of the 1,200 prompt tokens were cached.
    expect(msg.usage.output_tokens).toBe(59);
    expect(msg.usage.input_tokens + (msg.usage.cache_read_input_tokens ?? 0)).toBe(1200);
    const seen = lastSeen(google);
    expect(seen.path).toBe('/v1/models/gemini-2.5-flash:generateContent');
    expect(seen.headers['x-goog-api-key']).toBe('gemini-relay-key');
    expect(seen.headers.authorization).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain('client-key-never-forwarded');
    expect(seen.body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    expect(seen.body.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
    expect(seen.body.generationConfig).toMatchObject({ maxOutputTokens: 200 });
    expectReleased(router);
  });

  it('runs a tool loop: tool_use blocks out, tool_result back as functionResponse by name', async () => {
    const first = await client.messages.create({
      model: 'gem',
      max_tokens: 200,
      tools,
      messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(uses.map((u) => u.name)).toEqual(['get_weather', 'get_time']);
    expect(uses.map((u) => u.input)).toEqual([{ city: 'Paris', unit: 'celsius' }, { tz: 'Europe/Paris' }]);
    expect(lastSeen(google).body.tools).toEqual([
      {
        functionDeclarations: [
          expect.objectContaining({ name: 'get_weather' }),
          expect.objectContaining({ name: 'get_time' }),
        ],
      },
    ]);
    const second = await client.messages.create({
      model: 'gem',
      max_tokens: 200,
      tools,
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: uses.map((u) => ({
            type: 'tool_result' as const,
            tool_use_id: u.id,
            content: '{"ok":true}',
          })),
        },
      ],
    });
    expect(second.content.find((b) => b.type === 'text')).toMatchObject({
      text: 'Hello! How can I help you today?',
    });
    const sent = lastSeen(google).body.contents as { role: string; parts: Record<string, unknown>[] }[];
    const model = sent.find((c) => c.role === 'model')!;
    expect(model.parts.filter((p) => 'functionCall' in p).map((p) => p.functionCall)).toEqual([
      { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
      { name: 'get_time', args: { tz: 'Europe/Paris' } },
    ]);
    // Gemini 3 refuses a function call without a signature: every call carries one.
    for (const p of model.parts.filter((x) => 'functionCall' in x))
      expect(typeof p.thoughtSignature).toBe('string');
    expect(sent.at(-1)!.parts.map((p) => (p.functionResponse as { name: string }).name)).toEqual([
      'get_weather',
      'get_time',
    ]);
    expectReleased(router);
  });

  it("streams text as Anthropic's event sequence (the SDK's stream helper builds the Message)", async () => {
    const stream = client.messages.stream({
      model: 'gem',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const types: string[] = [];
    let deltas = '';
    stream.on('streamEvent', (e) => void types.push(e.type));
    stream.on('text', (t) => {
      deltas += t;
    });
    const msg = await stream.finalMessage();
    expect(deltas).toBe('Hello, wörld!');
    expect(
      msg.content
        .filter((b) => b.type === 'text')
        .map((b) => (b as Anthropic.TextBlock).text)
        .join(''),
    ).toBe('Hello, wörld!');
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(types).toContain('message_delta');
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBe(24); // 4 candidate + 20 thought tokens
    expect(lastSeen(google).path).toBe('/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expectReleased(router);
  });

  it('streams function calls as tool_use blocks with their input', async () => {
    const msg = await client.messages
      .stream({ model: 'gem', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Weather?' }] })
      .finalMessage();
    const uses = msg.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(uses.map((u) => [u.name, u.input])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', {}],
    ]);
    expect(msg.stop_reason).toBe('tool_use');
    expectReleased(router);
  });
});

describe('an Anthropic client served by a Bedrock upstream', () => {
  it('creates a Message from Converse (SigV4-signed upstream call)', async () => {
    const msg = await client.messages.create({
      model: 'bed',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    // Claude on Bedrock: its reasoning comes back as a thinking block with its signature.
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(msg.content[0]).toMatchObject({
      thinking: 'The user greets me.',
      signature: 'EqoBCkgIARABGAIiQL-bedrock-sig',
    });
    expect(msg.content[1]).toMatchObject({ text: 'Hello! How can I help?' });
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage).toMatchObject({ output_tokens: 8, input_tokens: 12, cache_read_input_tokens: 2048 });
    const seen = lastSeen(aws);
    expect(seen.path).toBe(`/model/${encodeURIComponent(BEDROCK_MODEL)}/converse`);
    expect(String(seen.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDRELAY\//);
    expect(JSON.stringify(seen)).not.toContain('relay-secret');
    expect(seen.body.messages).toEqual([{ role: 'user', content: [{ text: 'Hi' }] }]);
    expectReleased(router);
  });

  it("streams: Bedrock's binary event stream in, Anthropic's SSE out — text, and a tool use whose input arrives in fragments", async () => {
    let text = '';
    const plain = client.messages.stream({
      model: 'bed',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    plain.on('text', (t) => {
      text += t;
    });
    const first = await plain.finalMessage();
    expect(text).toBe('Hello, wörld 👋');
    expect(first.stop_reason).toBe('end_turn');
    expect(lastSeen(aws).path).toBe(`/model/${encodeURIComponent(BEDROCK_MODEL)}/converse-stream`);

    const jsonDeltas: string[] = [];
    const withTool = client.messages.stream({
      model: 'bed',
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    withTool.on('inputJson', (partial) => void jsonDeltas.push(partial));
    const msg = await withTool.finalMessage();
    const use = msg.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect([use.name, use.input]).toEqual(['get_weather', { city: 'Paris' }]);
    expect(jsonDeltas.join('')).toBe('{"city":"Paris"}');
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.usage.output_tokens).toBe(30);
    expectReleased(router);
  });
});

describe('failover between the two through /v1/messages', () => {
  it('Gemini overloaded (503) → Bedrock serves the Message, streamed and not', async () => {
    geminiDown = true;
    try {
      const { data, response } = await client.messages
        .create({ model: 'chat', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] })
        .withResponse();
      expect(data.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello! How can I help?' });
      expect(response.headers.get('x-model-router-model')).toBe(`aws/${BEDROCK_MODEL}`);
      let text = '';
      const s = client.messages.stream({
        model: 'chat',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      s.on('text', (t) => {
        text += t;
      });
      await s.finalMessage();
      expect(text).toBe('Hello, wörld 👋');
    } finally {
      geminiDown = false;
    }
    expectReleased(router);
  });
});

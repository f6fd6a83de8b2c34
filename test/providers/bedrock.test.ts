import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { bedrock } from '../../src/providers/index.js';
import type { ChatMessage } from '../../src/types/request.js';
import { encodeEvents, eventStreamResponse, streamFixture } from './event-stream-helpers.js';
import {
  type Captured,
  capture,
  collect,
  collectUntilError,
  exchange,
  makeCall,
  rejection,
  replay,
  text,
  trackingFetch,
  useServer,
} from './helpers.js';

const MODEL = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const HOST = 'https://bedrock-runtime.eu-west-1.amazonaws.com';
const URL_ = `${HOST}/model/${encodeURIComponent(MODEL)}/converse`;
const STREAM_URL = `${HOST}/model/${encodeURIComponent(MODEL)}/converse-stream`;
const CREDS = {
  accessKeyId: 'AKIDEXAMPLETESTKEY01',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSION',
};
const SECRET = JSON.stringify({ ...CREDS, region: 'eu-west-1' });
const NOW = Date.parse('2025-01-01T12:00:00Z');
const clock = { now: () => NOW };
const server = useServer();

const adapter = (options: Parameters<typeof bedrock>[0] = {}) => bedrock({ clock, ...options });
const call = (spec: Partial<Parameters<typeof makeCall>[0]> = {}) =>
  makeCall({ providerId: 'bedrock', modelId: MODEL, apiKey: SECRET, keyId: 'aws-1', ...spec });

function answer(respond: () => Response | Promise<Response>, url = URL_): Captured[] {
  const seen: Captured[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      await capture(request, seen);
      return respond();
    }),
  );
  return seen;
}

/** Recompute the SigV4 signature of what the server received: it must equal the one sent. */
async function expectValidSignature(seen: Captured): Promise<void> {
  const auth = seen.headers.authorization!;
  const signedNames = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
  const url = new URL(seen.url);
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = name === 'host' ? url.host : seen.headers[name]!;
  const signer = new SignatureV4({
    service: 'bedrock',
    region: 'eu-west-1',
    credentials: CREDS,
    sha256: Hash.bind(null, 'sha256'),
  });
  const expected = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: {},
      headers,
      body: seen.rawBody,
    },
    { signingDate: new Date(NOW) },
  );
  expect(auth).toBe(expected.headers.authorization);
  // AWS checks the payload hash against the body it received, not only the signature.
  const bodyHash = createHash('sha256').update(seen.rawBody).digest('hex');
  expect(seen.headers['x-amz-content-sha256'] ?? bodyHash).toBe(bodyHash);
  expect(auth).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETESTKEY01\/20250101\/eu-west-1\/bedrock\/aws4_request/,
  );
  expect(signedNames).toEqual(
    expect.arrayContaining(['host', 'content-type', 'x-amz-date', 'x-amz-security-token']),
  );
}

describe('bedrock().complete', () => {
  it('signs with SigV4, maps a reply with Claude reasoning (anthropic family) and cache usage', async () => {
    const seen = answer(() => replay(exchange('bedrock', 'converse-plain')));
    const res = await adapter().complete(
      call({
        request: {
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Hi' },
          ],
        },
      }),
    );
    expect(res.message).toEqual({
      role: 'assistant',
      content: 'Hello! How can I help?',
      reasoning: [
        {
          type: 'reasoning',
          family: 'anthropic',
          text: 'The user greets me.',
          signature: 'EqoBCkgIARABGAIiQL-bedrock-sig',
        },
      ],
    });
    expect(res.finishReason).toEqual({ unified: 'stop', raw: 'end_turn' });
    expect(res.usage).toEqual({
      promptTokens: 2060,
      completionTokens: 8,
      totalTokens: 2068,
      cachedPromptTokens: 2048,
      cacheWriteTokens: 0,
    });
    const sent = seen[0]!;
    expect(sent.url).toBe(URL_);
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      system: [{ text: 'Be brief.' }],
    });
    expect(sent.headers['x-amz-security-token']).toBe(CREDS.sessionToken);
    await expectValidSignature(sent);
    expect(JSON.stringify(sent.headers)).not.toContain(CREDS.secretAccessKey);
  });

  it('sends a Bedrock API key as a bearer token, with the region from the adapter', async () => {
    const seen = answer(() => replay(exchange('bedrock', 'converse-plain')));
    await adapter({ region: 'eu-west-1' }).complete(call({ apiKey: 'ABSKQmVkcm9ja0FQSUtleS1leample' }));
    expect(seen[0]!.headers.authorization).toBe('Bearer ABSKQmVkcm9ja0FQSUtleS1leample');
    expect(seen[0]!.headers['x-amz-date']).toBeUndefined();
    await adapter().complete(call({ apiKey: JSON.stringify({ apiKey: 'ABSK-json', region: 'eu-west-1' }) }));
    expect(seen[1]!.headers.authorization).toBe('Bearer ABSK-json');
  });

  it('maps a conversation: images, tools, tool choice, tool results, reasoning sent back', async () => {
    const seen = answer(() => replay(exchange('bedrock', 'converse-tool-use')));
    const messages: ChatMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
          { type: 'image', url: 's3://bucket/photo.jpg' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'reasoning', family: 'anthropic', text: 'think', signature: 'sig' },
          { type: 'reasoning', family: 'gemini', signature: 'not ours' },
        ],
        toolCalls: [{ id: 'tu1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      },
      {
        role: 'tool',
        toolCallId: 'tu1',
        content: '21°C',
        isError: true,
        cacheControl: { type: 'ephemeral' },
      },
    ];
    const res = await adapter().complete(
      call({
        request: {
          messages,
          maxTokens: 512,
          temperature: 0.5,
          stop: ['END'],
          tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
          toolChoice: 'required',
          providerOptions: { bedrock: { additionalModelRequestFields: { top_k: 5 } } },
        },
      }),
    );
    expect(seen[0]!.body).toEqual({
      messages: [
        {
          role: 'user',
          content: [
            { text: 'What is this?' },
            { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } },
            { image: { format: 'jpeg', source: { s3Location: { uri: 's3://bucket/photo.jpg' } } } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { reasoningContent: { reasoningText: { text: 'think', signature: 'sig' } } },
            { text: 'Checking.' },
            { toolUse: { toolUseId: 'tu1', name: 'get_weather', input: { city: 'Paris' } } },
          ],
        },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 'tu1', content: [{ text: '21°C' }], status: 'error' } },
            { cachePoint: { type: 'default' } },
          ],
        },
      ],
      inferenceConfig: { maxTokens: 512, temperature: 0.5, stopSequences: ['END'] },
      toolConfig: {
        tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }],
        toolChoice: { any: {} },
      },
      additionalModelRequestFields: { top_k: 5 },
    });
    expect(res.message.toolCalls).toEqual([
      { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(res.finishReason).toEqual({ unified: 'tool_calls', raw: 'tool_use' });
    expect(res.warnings).toEqual([
      {
        code: 'reasoning_dropped',
        message: 'reasoning from the "gemini" family cannot be sent to this Bedrock model and was left out',
        field: 'messages[1].content[2]',
      },
    ]);
  });

  it('refuses what Converse cannot take (a web image URL, bad tool arguments) without calling it', async () => {
    const seen = answer(() => replay(exchange('bedrock', 'converse-plain')));
    const web = await rejection(
      adapter().complete(
        call({
          request: {
            messages: [{ role: 'user', content: [{ type: 'image', url: 'https://x.test/a.png' }] }],
          },
        }),
      ),
    );
    expect(web).toMatchObject({ kind: 'bad_request' });
    expect(seen).toHaveLength(0);
  });

  it('refuses a secret it cannot use, naming the key and never the secret', async () => {
    for (const secret of ['{"accessKeyId": "AKIDONLY"', '{"accessKeyId":"AKIDONLY"}', 'ABSK-no-region']) {
      const err = await rejection(adapter().complete(call({ apiKey: secret })));
      expect(err).toMatchObject({ kind: 'auth' });
      expect((err as Error).message).toContain('"aws-1"');
      expect(inspect(err, { showHidden: true, depth: 5 })).not.toContain('AKIDONLY');
    }
    expect(() => bedrock({ region: 'eu west' })).toThrow(/bedrock.region/);
  });

  const errors: [string, Record<string, unknown>][] = [
    ['error-throttling', { kind: 'rate_limited', status: 429 }],
    ['error-quota', { kind: 'rate_limited', status: 400 }],
    ['error-unavailable', { kind: 'overloaded', status: 503 }],
    ['error-context', { kind: 'context_length', status: 400, isRetryable: false }],
    ['error-validation', { kind: 'bad_request', status: 400 }],
    ['error-access-denied', { kind: 'auth', status: 403 }],
    ['error-signature', { kind: 'auth', status: 403 }],
    ['error-model-timeout', { kind: 'timeout', status: 408 }],
  ];
  for (const [name, expected] of errors) {
    it(`${name} → ${String(expected.kind)}`, async () => {
      answer(() => replay(exchange('bedrock', name)));
      const err = await rejection(adapter().complete(call()));
      expect(err).toMatchObject({ ...expected, providerId: 'bedrock', keyId: 'aws-1' });
      for (const shown of [JSON.stringify(err), inspect(err, { showHidden: true, depth: 5 })]) {
        expect(shown).not.toContain(CREDS.secretAccessKey);
      }
    });
  }

  it('refuses an oversized or malformed body as a protocol error', async () => {
    answer(() => HttpResponse.json({ padding: 'x'.repeat(5000) }));
    expect(await rejection(adapter({ limits: { maxBodyBytes: 1000 } }).complete(call()))).toMatchObject({
      kind: 'protocol',
    });
    answer(() => HttpResponse.json({ output: {} }));
    expect(await rejection(adapter().complete(call()))).toMatchObject({ kind: 'protocol' });
  });
});

describe('bedrock().stream', () => {
  it('decodes the binary event stream: reasoning deltas, text deltas, then a finish with usage', async () => {
    const seen = answer(() => eventStreamResponse(encodeEvents(streamFixture('stream-text'))), STREAM_URL);
    const parts = await collect((await adapter().stream(call())).parts);
    expect(parts).toEqual([
      { type: 'reasoning-delta', family: 'anthropic', index: 0, text: 'Greeting; ' },
      { type: 'reasoning-delta', family: 'anthropic', index: 0, text: 'answer briefly.' },
      { type: 'reasoning-delta', family: 'anthropic', index: 0, signature: 'EqoBstream-sig' },
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: ', wörld 👋' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'end_turn' },
        usage: {
          promptTokens: 110,
          completionTokens: 5,
          totalTokens: 115,
          cachedPromptTokens: 0,
          cacheWriteTokens: 100,
        },
      },
    ]);
    expect(seen[0]!.headers.accept).toBe('application/vnd.amazon.eventstream');
    await expectValidSignature(seen[0]!);
  });

  it('streams a tool use: id and name first, then input fragments', async () => {
    answer(
      () => eventStreamResponse(encodeEvents(streamFixture('stream-tool-use')), { chunkBytes: 7 }),
      STREAM_URL,
    );
    const parts = await collect((await adapter().stream(call())).parts);
    expect(parts.slice(0, 4)).toEqual([
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call-delta', index: 0, id: 'tooluse_1', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
    ]);
    expect(parts[4]).toMatchObject({ type: 'finish', finishReason: { unified: 'tool_calls' } });
  });

  const broken: [string, string, Record<string, unknown>][] = [
    ['stream-throttled', '', { kind: 'rate_limited' }],
    ['stream-unavailable', '', { kind: 'overloaded' }],
    ['stream-cut-after-token', 'Hel', { kind: 'server' }],
  ];
  for (const [name, before, expected] of broken) {
    it(`${name}: "${before}" then ${String(expected.kind)}`, async () => {
      answer(() => eventStreamResponse(encodeEvents(streamFixture(name))), STREAM_URL);
      const { parts, error } = await collectUntilError((await adapter().stream(call())).parts);
      expect(text(parts)).toBe(before);
      expect(error).toMatchObject(expected);
    });
  }

  it('a body cut inside a frame, a bad CRC, or no messageStop is a protocol error', async () => {
    const whole = encodeEvents(streamFixture('stream-text'));
    const cases = [
      whole.slice(0, whole.length - 10),
      (() => {
        const bad = whole.slice();
        bad[40] = bad[40]! ^ 0xff; // inside the first message: its CRC no longer matches
        return bad;
      })(),
      encodeEvents(streamFixture('stream-text').slice(0, 6)),
    ];
    for (const bytes of cases) {
      answer(() => eventStreamResponse(bytes), STREAM_URL);
      const { error } = await collectUntilError((await adapter().stream(call())).parts);
      expect(error).toMatchObject({ kind: 'protocol' });
    }
  });

  it('holds maxEventBytes: a frame declaring 4 GiB is refused after its first 4 bytes', async () => {
    let served = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        served++;
        controller.enqueue(served === 1 ? new Uint8Array([0xff, 0xff, 0xff, 0xf0]) : new Uint8Array(4096));
      },
    });
    answer(
      () =>
        new HttpResponse(body as unknown as null, {
          headers: { 'content-type': 'application/vnd.amazon.eventstream' },
        }),
      STREAM_URL,
    );
    const { error } = await collectUntilError(
      (await adapter({ limits: { maxEventBytes: 65_536 } }).stream(call())).parts,
    );
    expect(error).toMatchObject({ kind: 'protocol' });
    expect(String((error as Error).message)).toContain('65536');
    expect(served).toBeLessThan(5);
  });

  it('throws an HTTP error from stream() itself, refined by its error type', async () => {
    answer(() => replay(exchange('bedrock', 'error-throttling')), STREAM_URL);
    expect(await rejection(adapter().stream(call()))).toMatchObject({ kind: 'rate_limited', status: 429 });
  });

  it('stops reading and cancels the body when the consumer stops early', async () => {
    answer(
      () => eventStreamResponse(encodeEvents(streamFixture('stream-text')), { stall: true }),
      STREAM_URL,
    );
    const tracking = trackingFetch();
    const stream = await adapter({ fetch: tracking.fetch }).stream(call());
    for await (const part of stream.parts) {
      expect(part).toMatchObject({ type: 'reasoning-delta', text: 'Greeting; ' });
      break;
    }
    expect(tracking.state.cancelled).toBe(true);
  });
});

import { ModelRouter, openaiCompatible } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseFixture } from '../providers/helpers.js';
import { type TestServer, expectReleased, serve } from './harness.js';

/*
 * How the relay's SSE reply is cut (its web door hands out one chunk per pull): the events one upstream
 * read brings go out as one chunk, whatever their number; an event that comes alone goes out as it
 * comes, without waiting for the next. The upstream is a replay of OpenAI's wire format behind the
 * adapter's injected fetch.
 */

const encoder = new TextEncoder();
const recorded = sseFixture('openai', 'stream-text');
const events = recorded.split('\n\n').filter((e) => e.trim() !== '');
/** A content event (or a frame of one): a non-empty `content`. */
const isContent = (text: string) => /"content":"[^"]/.test(text);
const firstContent = events.findIndex(isContent);
const content = events.filter(isContent).length;

/**
 * How the upstream cuts its body: all of it in one read, one event per read, or one event per read
 * when the test says (`feed`).
 */
let reads: 'one' | 'per-event' | 'fed' | 'flood' = 'one';

/** The recorded stream with its content events repeated to `n`, all in one read. */
function flood(n: number): string {
  const out = [
    ...events.slice(0, firstContent),
    ...Array.from({ length: n }, () => events[firstContent]!),
    ...events.slice(firstContent + 1).filter((e) => !isContent(e)),
  ];
  return `${out.join('\n\n')}\n\n`;
}
const FLOOD = 2_000;

const upstream = (async () => {
  const chunks =
    reads === 'one' ? [recorded] : reads === 'flood' ? [flood(FLOOD)] : events.map((e) => `${e}\n\n`);
  const body = reads === 'fed' ? fedBody(chunks) : bodyOf(chunks);
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}) as typeof fetch;

function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]!));
      else controller.close();
    },
  });
}

/** Something that happens once: `fired` settles when `fire()` is called. */
function once(): { fired: Promise<void>; fire: () => void } {
  let fire = () => {};
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fired, fire };
}
/** The adapter's next read of the fed body, and the test's answer to it. */
let read = once();
let answer = once();

function fedBody(chunks: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        read.fire();
        return answer.fired.then(() => {
          answer = once();
          if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]!));
          else controller.close();
        });
      },
    },
    { highWaterMark: 0 },
  );
}

/** Answer the adapter's next read (waiting for it to read) with the next event. */
async function feed(): Promise<void> {
  await read.fired;
  read = once();
  answer.fire();
}

const router = new ModelRouter({
  catalog: {
    providers: [{ id: 'oa', adapter: 'openai', keys: [{ id: 'k1', secret: 'sk-chunks' }] }],
    models: [{ providerId: 'oa', modelId: 'gpt-4o-mini' }],
  },
  adapters: { openai: openaiCompatible({ baseURL: 'http://upstream.test/v1', fetch: upstream }) },
});
const relay = createRelayHandler(router);
let server: TestServer;

beforeAll(async () => {
  server = await serve(relay);
});
afterAll(async () => {
  await server.close();
  await router.close();
});

/** The reply's body as the chunks the relay handed out. */
async function chunksOf(res: Response): Promise<string[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(decoder.decode(value));
  }
}

const request = () =>
  new Request('http://relay.test/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'oa/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    }),
  });

const frames = (chunk: string) => chunk.split('\n\n').filter((f) => f !== '');

describe('relay: the chunks of a streamed reply', () => {
  it('sends the events of one upstream read as one chunk', async () => {
    reads = 'one';
    const res = await relay(request());
    expect(res.status).toBe(200);
    const chunks = await chunksOf(res);
    // Everything the upstream sent at once, [DONE] included, in one write.
    expect(chunks).toHaveLength(1);
    const sent = frames(chunks[0]!);
    expect(sent.at(-1)).toBe('data: [DONE]');
    expect(sent.filter(isContent)).toHaveLength(content);
    expectReleased(router);
  });

  it('sends each event as it comes, never waiting for the next read', async () => {
    reads = 'fed';
    const replying = relay(request());
    // The role event is held until the first content commits the stream; both go out together.
    const first = firstContent;
    for (let i = 0; i <= first; i++) await feed();
    const reader = (await replying).body!.getReader();
    const decoder = new TextDecoder();
    const read = async () => decoder.decode((await reader.read()).value);
    expect(frames(await read())).toHaveLength(first + 1);
    // Every later content event, and the finish, as soon as it is read: one frame each.
    const last = events.findIndex((e) => e.includes('"finish_reason":"stop"'));
    for (let i = first + 1; i <= last; i++) {
      await feed();
      const sent = frames(await read());
      expect(sent).toHaveLength(1);
      expect(JSON.parse(sent[0]!.slice('data: '.length)).choices[0].delta).toEqual(
        JSON.parse(events[i]!.slice('data: '.length)).choices[0].delta,
      );
    }
    // The usage event (not asked for) says nothing; [DONE] ends the reply.
    for (let i = last + 1; i < events.length; i++) await feed();
    expect(await read()).toBe('data: [DONE]\n\n');
    expect((await reader.read()).done).toBe(true);
    expectReleased(router);
  });

  it('a read of thousands of events goes out in chunks no bigger than the stream buffer', async () => {
    reads = 'flood';
    const chunks = await chunksOf(await relay(request()));
    const sent = chunks.map(frames);
    expect(sent.flat().filter(isContent)).toHaveLength(FLOOD);
    // The router's buffer holds at most 256 parts (two per event here: the event, its text), so a
    // chunk frames at most that many, however much one read brought.
    expect(chunks.length).toBeGreaterThan(FLOOD / 128);
    expect(Math.max(...sent.map((f) => f.length))).toBeLessThanOrEqual(257);
    expectReleased(router);
  });

  it('reads the same to the official client either way', async () => {
    const client = new OpenAI({ apiKey: 'test-client-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const texts: string[] = [];
    for (const cut of ['one', 'per-event'] as const) {
      reads = cut;
      const stream = await client.chat.completions.create({
        model: 'oa/gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      texts.push(text);
    }
    expect(texts[0]).not.toBe('');
    expect(texts[1]).toBe(texts[0]);
    expectReleased(router);
  });
});

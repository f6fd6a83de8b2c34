import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SseFixture {
  bytes: Uint8Array;
  /** The number of content events, so a run can check that every one came out as a part. */
  deltas: number;
}

const fixturePath = (provider: 'openai' | 'anthropic') =>
  fileURLToPath(new URL(`../../test/fixtures/${provider}/stream-text.sse`, import.meta.url));

/**
 * A recorded-style stream of about `targetBytes`: the recorded fixture with its content events
 * repeated (in their recorded order) until the text reaches the size; head and tail as recorded.
 */
export function buildSseStream(provider: 'openai' | 'anthropic', targetBytes: number): SseFixture {
  const { head, body, tail } = fixtureEvents(provider);
  const out: string[] = [...head];
  let size = Buffer.byteLength(`${[...head, ...tail].join('\n\n')}\n\n`);
  let deltas = 0;
  for (let i = 0; size < targetBytes; i++) {
    const e = body[i % body.length]!;
    out.push(e);
    size += Buffer.byteLength(e) + 2;
    deltas++;
  }
  out.push(...tail);
  return { bytes: new TextEncoder().encode(`${out.join('\n\n')}\n\n`), deltas };
}

/**
 * The recorded stream's events with exactly `deltas` content events (the recorded ones repeated in
 * their order), each with its blank line: what a server writes one at a time.
 */
export function repeatedSseEvents(provider: 'openai' | 'anthropic', deltas: number): string[] {
  const { head, body, tail } = fixtureEvents(provider);
  const middle = Array.from({ length: deltas }, (_, i) => body[i % body.length]!);
  return [...head, ...middle, ...tail].map((e) => `${e}\n\n`);
}

/** How many content events the recorded stream has. */
export function recordedContentEvents(provider: 'openai' | 'anthropic'): number {
  return fixtureEvents(provider).body.length;
}

/** The recorded fixture's events: before the first content event, the content events, after. */
function fixtureEvents(provider: 'openai' | 'anthropic'): { head: string[]; body: string[]; tail: string[] } {
  const text = readFileSync(fixturePath(provider), 'utf8');
  const events = text.split(/\r?\n\r?\n/).filter((e) => e.trim() !== '');
  const isDelta =
    provider === 'openai' ? isOpenAIDelta : (e: string) => e.startsWith('event: content_block_delta');
  const first = events.findIndex(isDelta);
  const last = events.length - 1 - [...events].reverse().findIndex(isDelta);
  if (first < 0) throw new Error(`no content events in the ${provider} fixture`);
  return { head: events.slice(0, first), body: events.slice(first, last + 1), tail: events.slice(last + 1) };
}

function isOpenAIDelta(event: string): boolean {
  if (!event.startsWith('data: {')) return false;
  const chunk = JSON.parse(event.slice('data: '.length)) as {
    choices?: Array<{ delta?: { content?: string } }>;
  };
  return !!chunk.choices?.[0]?.delta?.content;
}

/**
 * A `fetch` that serves `bytes` as a `text/event-stream` body from memory, in `chunkBytes` pieces
 * (as a socket would deliver them), whatever the request.
 */
export function memoryFetch(bytes: Uint8Array, chunkBytes = 16_384): typeof globalThis.fetch {
  return async (_input, init) => {
    // The adapter's request body is built and sent; consume it like a server would.
    if (init?.body && typeof init.body === 'string') void init.body.length;
    return new Response(chunkedStream(bytes, chunkBytes), {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8' },
    });
  };
}

export function chunkedStream(bytes: Uint8Array, chunkBytes: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    type: 'bytes',
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      // A copy, as a socket read is: the consumer may keep or transfer it.
      controller.enqueue(bytes.slice(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}

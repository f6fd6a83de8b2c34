import { describe, expect, it } from 'vitest';
import type { EventSourceMessage } from 'eventsource-parser';
import { createContext } from '../../src/providers/shared/context.js';
import { DEFAULT_LIMITS } from '../../src/providers/shared/limits.js';
import { type SseDecoder, sseParts, trackLineLength } from '../../src/providers/shared/sse.js';
import { READY_PART, type ReadyPartSource } from '../../src/util/ready-part.js';
import type { AdapterStreamPart } from '../../src/index.js';
import { makeCall, rejection } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('trackLineLength', () => {
  it('carries the unterminated line across chunks', () => {
    expect(trackLineLength(bytes('abc'), 0, 10)).toBe(3);
    expect(trackLineLength(bytes('defg'), 3, 10)).toBe(7);
    expect(trackLineLength(bytes('hij\nk'), 7, 10)).toBe(1);
    expect(trackLineLength(bytes('hijk\n'), 7, 10)).toBe(-1);
  });

  it('treats CR, LF and CRLF as line ends and checks every line of a chunk', () => {
    expect(trackLineLength(bytes('aaaa\r\nbbbb\rcc'), 0, 4)).toBe(2);
    expect(trackLineLength(bytes('a\nbbbbbbbbbb\nc'), 0, 4)).toBe(-1);
    expect(trackLineLength(bytes('\n\n\n'), 3, 4)).toBe(0);
  });
});

/** A decoder that turns every event's data into a text part and stops at `end`. */
const echo: SseDecoder = {
  onEvent: (e: EventSourceMessage) =>
    e.data === 'end'
      ? { parts: [], done: true }
      : { parts: [{ type: 'text-delta', text: e.data }], done: false },
  onEnd: () => [{ type: 'finish', finishReason: { unified: 'other' } }],
};

function bodyOf(chunks: string[]): { body: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(bytes(chunks[i++]!));
      else c.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, cancelled: () => cancelled };
}

function ctxFor(signal?: AbortSignal, limits = DEFAULT_LIMITS) {
  const call = makeCall({ providerId: 'p', modelId: 'm', apiKey: 'test-key', ...(signal ? { signal } : {}) });
  return createContext('test', call, { limits, clock: { now: () => 0 } });
}

async function all(parts: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const p of parts) out.push(p);
  return out;
}

describe('sseParts', () => {
  it('parses events split anywhere, CRLF included, ignores comments, and stops at the terminal event', async () => {
    const { body, cancelled } = bodyOf([
      ': keep-alive\r\n\r\nda',
      'ta: a\r\n',
      '\r\ndata: b\n\ndata: end\n\ndata: never\n\n',
      'data: unread\n\n',
    ]);
    expect(await all(sseParts(ctxFor(), body, echo))).toEqual([
      { type: 'text-delta', text: 'a' },
      { type: 'text-delta', text: 'b' },
    ]);
    // Stopping at `end` leaves bytes unread: the body is cancelled to free the socket.
    expect(cancelled()).toBe(true);
  });

  it('hands the end of the body to the decoder, discarding an unterminated event', async () => {
    const { body } = bodyOf(['data: a\n\n', 'data: half']);
    expect(await all(sseParts(ctxFor(), body, echo))).toEqual([
      { type: 'text-delta', text: 'a' },
      { type: 'finish', finishReason: { unified: 'other' } },
    ]);
  });

  it('joins multi-line data and keeps a multi-byte character split across chunks whole', async () => {
    const euro = bytes('data: 1€\ndata: 2\n\n');
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent < euro.length) c.enqueue(euro.slice(sent, ++sent));
        else c.close();
      },
    });
    const parts = await all(sseParts(ctxFor(), body, echo));
    expect(parts[0]).toEqual({ type: 'text-delta', text: '1€\n2' });
  });

  it('a decoder error ends the stream and cancels the body', async () => {
    const { body, cancelled } = bodyOf(['data: a\n\n', 'data: b\n\n']);
    const failing: SseDecoder = {
      onEvent: () => {
        throw new Error('bad event');
      },
      onEnd: () => [],
    };
    expect(((await rejection(all(sseParts(ctxFor(), body, failing)))) as Error).message).toBe('bad event');
    expect(cancelled()).toBe(true);
  });

  it('a body read failure is a network ProviderError', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        c.error(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }));
      },
    });
    expect(await rejection(all(sseParts(ctxFor(), body, echo)))).toMatchObject({ kind: 'network' });
  });

  it('a body read that times out is a timeout ProviderError', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        c.error(Object.assign(new Error('Body Timeout Error'), { code: 'UND_ERR_BODY_TIMEOUT' }));
      },
    });
    expect(await rejection(all(sseParts(ctxFor(), body, echo)))).toMatchObject({ kind: 'timeout' });
  });

  it('return() before the first next() cancels the body and never reads', async () => {
    const { body, cancelled } = bodyOf(['data: a\n\n']);
    const it = sseParts(ctxFor(), body, echo)[Symbol.asyncIterator]();
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    expect(cancelled()).toBe(true);
  });

  it('removes its abort listener when the stream ends', async () => {
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    const { body } = bodyOf(['data: a\n\n', 'data: end\n\n']);
    await all(sseParts(ctxFor(signal), body, echo));
    expect(listeners).toBe(0);
  });

  describe('parts already decoded (READY_PART)', () => {
    const iterate = (parts: AsyncIterable<AdapterStreamPart>) =>
      parts[Symbol.asyncIterator]() as ReadyPartSource<AdapterStreamPart>;
    const text = (t: string) => ({ value: { type: 'text-delta', text: t }, done: false });

    it('hands out the parts of one read without a promise, and nothing that needs a read', async () => {
      const { body } = bodyOf(['data: a\n\ndata: b\n\ndata: c\n\n', 'data: d\n\ndata: end\n\n']);
      const it = iterate(sseParts(ctxFor(), body, echo));
      expect(it[READY_PART]!()).toBeUndefined();
      expect(await it.next()).toEqual(text('a'));
      expect(it[READY_PART]!()).toEqual(text('b'));
      expect(it[READY_PART]!()).toEqual(text('c'));
      expect(it[READY_PART]!()).toBeUndefined();
      expect(await it.next()).toEqual(text('d'));
      // The terminal event was in the same read: the end is there too.
      expect(it[READY_PART]!()).toEqual({ value: undefined, done: true });
      expect(await it.next()).toEqual({ value: undefined, done: true });
    });

    it('throws a later event’s decoder error after the parts before it, and ends the stream', async () => {
      const { body, cancelled } = bodyOf([
        'data: a\n\ndata: bad\n\ndata: c\n\n',
        'data: d\n\n',
        'data: e\n\n',
      ]);
      const strict: SseDecoder = {
        onEvent: (e) => {
          if (e.data === 'bad') throw new Error('bad event');
          return echo.onEvent(e);
        },
        onEnd: () => [],
      };
      const it = iterate(sseParts(ctxFor(), body, strict));
      expect(await it.next()).toEqual(text('a'));
      expect(() => it[READY_PART]!()).toThrow('bad event');
      expect(it[READY_PART]!()).toEqual({ value: undefined, done: true });
      expect(await it.next()).toEqual({ value: undefined, done: true });
      expect(cancelled()).toBe(true);
    });

    it('throws the abort’s reason even with parts decoded', async () => {
      const controller = new AbortController();
      const { body, cancelled } = bodyOf(['data: a\n\ndata: b\n\n', 'data: c\n\n', 'data: d\n\n']);
      const it = iterate(sseParts(ctxFor(controller.signal), body, echo));
      expect(await it.next()).toEqual(text('a'));
      const reason = new Error('caller left');
      controller.abort(reason);
      expect(() => it[READY_PART]!()).toThrow(reason);
      expect(await it.next()).toEqual({ value: undefined, done: true });
      expect(cancelled()).toBe(true);
    });

    it('answers nothing while a read is pending', async () => {
      const { body } = bodyOf(['data: a\n\n', 'data: b\n\n']);
      const it = iterate(sseParts(ctxFor(), body, echo));
      const first = it.next();
      expect(it[READY_PART]!()).toBeUndefined();
      expect(await first).toEqual(text('a'));
    });
  });
});

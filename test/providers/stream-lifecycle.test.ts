import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { ProviderAdapter, ProviderCall } from '../../src/providers/index.js';
import { anthropic, openaiCompatible } from '../../src/providers/index.js';
import {
  collectUntilError,
  endlessLine,
  makeCall,
  rejection,
  sseFixture,
  sseResponse,
  trackingFetch,
  useServer,
} from './helpers.js';

/*
 * The same lifecycle for both adapters: whatever ends a stream (the caller's abort, `break`, a
 * `return()` during a pending read, a size cap), the response body is cancelled so the socket is
 * freed, and memory stays bounded. No real sleeps: stalls end by abort.
 */

const server = useServer();

interface Subject {
  name: string;
  url: string;
  make: (f: typeof fetch, limits?: Parameters<typeof openaiCompatible>[0]['limits']) => ProviderAdapter;
  call: (signal?: AbortSignal) => ProviderCall;
  fixture: string;
}

const subjects: Subject[] = [
  {
    name: 'openai-compatible',
    url: 'https://api.openai.test/v1/chat/completions',
    make: (f, limits) => openaiCompatible({ baseURL: 'https://api.openai.test/v1', fetch: f, limits }),
    call: (signal) =>
      makeCall({ providerId: 'openai', modelId: 'gpt-4o-mini', apiKey: 'test-openai-key', signal }),
    fixture: sseFixture('openai', 'stream-cut-after-token'),
  },
  {
    name: 'anthropic',
    url: 'https://api.anthropic.test/v1/messages',
    make: (f, limits) => anthropic({ baseURL: 'https://api.anthropic.test/v1', fetch: f, limits }),
    call: (signal) =>
      makeCall({
        providerId: 'anthropic',
        modelId: 'claude-sonnet-4-5',
        apiKey: 'test-anthropic-key',
        signal,
      }),
    fixture: sseFixture('anthropic', 'stream-cut-after-token'),
  },
];

for (const s of subjects) {
  describe(`${s.name} stream lifecycle`, () => {
    /** A stream that sends two text deltas and then stalls forever. */
    function stalled(): void {
      server.use(http.post(s.url, () => sseResponse(s.fixture, { stall: true })));
    }

    it('the caller’s abort mid-stream rejects the pending read with the abort reason and cancels the body', async () => {
      stalled();
      const tracker = trackingFetch();
      const controller = new AbortController();
      const stream = await s.make(tracker.fetch).stream(s.call(controller.signal));
      const it = stream.parts[Symbol.asyncIterator]();
      expect(await it.next()).toEqual({ done: false, value: { type: 'text-delta', text: 'Hello' } });
      expect(await it.next()).toEqual({ done: false, value: { type: 'text-delta', text: ' wor' } });
      const pending = it.next();
      const reason = new Error('caller gone');
      controller.abort(reason);
      expect(await rejection(pending)).toBe(reason);
      expect(tracker.state.cancelled).toBe(true);
      expect(await it.next()).toEqual({ done: true, value: undefined });
    });

    it('break out of for-await cancels the body', async () => {
      stalled();
      const tracker = trackingFetch();
      const stream = await s.make(tracker.fetch).stream(s.call());
      for await (const part of stream.parts) {
        expect(part.type).toBe('text-delta');
        break;
      }
      expect(tracker.state.cancelled).toBe(true);
    });

    it('return() while a read is pending ends the stream at once and cancels the body', async () => {
      stalled();
      const tracker = trackingFetch();
      const stream = await s.make(tracker.fetch).stream(s.call());
      const it = stream.parts[Symbol.asyncIterator]();
      await it.next();
      await it.next();
      const pending = it.next(); // the server is silent: this read waits
      const returned = it.return!();
      expect(tracker.state.cancelled).toBe(true);
      expect(await returned).toEqual({ done: true, value: undefined });
      expect(await pending).toEqual({ done: true, value: undefined });
    });

    it('an abort before iteration starts cancels the body too', async () => {
      stalled();
      const tracker = trackingFetch();
      const controller = new AbortController();
      const stream = await s.make(tracker.fetch).stream(s.call(controller.signal));
      const reason = new Error('router gave up');
      controller.abort(reason);
      expect(tracker.state.cancelled).toBe(true);
      expect(
        await rejection(collectUntilError(stream.parts).then(({ error }) => Promise.reject(error))),
      ).toBe(reason);
    });

    it('the parts can be iterated once', async () => {
      stalled();
      const stream = await s.make(trackingFetch().fetch).stream(s.call());
      const first = stream.parts[Symbol.asyncIterator]();
      expect(() => stream.parts[Symbol.asyncIterator]()).toThrow(TypeError);
      await first.return!();
    });

    it('a line that never ends is refused after maxLineBytes, without reading the rest', async () => {
      const endless = endlessLine(64 * 1024);
      server.use(
        http.post(
          s.url,
          () =>
            new HttpResponse(endless.body as unknown as null, {
              headers: { 'content-type': 'text/event-stream' },
            }),
        ),
      );
      const tracker = trackingFetch();
      const stream = await s.make(tracker.fetch).stream(s.call());
      const { parts, error } = await collectUntilError(stream.parts);
      expect(parts).toEqual([]);
      expect(error).toMatchObject({ kind: 'protocol', code: 'PROVIDER_ERROR' });
      expect((error as Error).message).toMatch(/line is over the 1048576-byte limit/);
      expect(tracker.state.cancelled).toBe(true);
      // 1 MiB in 64 KiB chunks is 17 reads; a few more may be buffered in between, never the stream.
      expect(endless.served()).toBeLessThan(40);
    });

    it('an event of many short lines is refused after maxEventBytes', async () => {
      const body = `${'data: 0123456789\n'.repeat(200)}\n`;
      server.use(http.post(s.url, () => sseResponse(body, { chunkBytes: 100 })));
      const tracker = trackingFetch();
      const stream = await s.make(tracker.fetch, { maxEventBytes: 1024 }).stream(s.call());
      const { error } = await collectUntilError(stream.parts);
      expect(error).toMatchObject({ kind: 'protocol' });
      expect((error as Error).message).toMatch(/event is over the 1024-character limit/);
      expect(tracker.state.cancelled).toBe(true);
    });
  });
}

import type { RouterStream, StreamPart } from 'model-router';
import { SSE_HEADERS } from './sse-headers.js';
import type { SseReply } from './types.js';

/** How one wire format frames a router stream as server-sent events. */
export interface SseFraming {
  /** Frames sent before the first part (OpenAI's role chunk, Anthropic's `message_start`). */
  open?: () => string[];
  /** Frames for one part; none is fine (`start` often says nothing on the wire). */
  part(part: StreamPart): string[];
  /** Frames after the last part (`data: [DONE]`, `message_stop`). */
  close?: () => string[];
  /** Frames for a failure after the answer began (an error event); the stream ends after them. */
  error(error: unknown): string[];
}

/**
 * An SSE reply over a router stream: parts are pulled one at a time, only when the writer asks for the
 * next chunk, so nothing piles up here and a slow client slows the upstream read. `next()` never
 * rejects: a failure becomes the format's error frames. `cancel` (the client went away) cancels the
 * router stream, which cancels the upstream call and releases everything it holds.
 */
export function partsToSse(
  stream: RouterStream,
  parts: AsyncIterator<StreamPart>,
  framing: SseFraming,
  headers: Record<string, string> = {},
): SseReply {
  const queue: string[] = framing.open ? framing.open() : [];
  let finished = false;
  return {
    kind: 'sse',
    status: 200,
    headers: { ...SSE_HEADERS, ...headers },
    async next() {
      for (;;) {
        if (queue.length > 0) return queue.length === 1 ? queue.pop() : queue.splice(0).join('');
        if (finished) return undefined;
        try {
          const item = await parts.next();
          if (finished) return undefined;
          if (item.done) {
            finished = true;
            if (framing.close) queue.push(...framing.close());
          } else {
            queue.push(...framing.part(item.value));
          }
        } catch (error) {
          if (finished) return undefined;
          finished = true;
          queue.push(...framing.error(error));
        }
      }
    },
    cancel(reason) {
      if (finished && queue.length === 0) return;
      finished = true;
      queue.length = 0;
      stream.cancel(reason ?? 'client disconnected');
      void parts.return?.();
    },
  };
}

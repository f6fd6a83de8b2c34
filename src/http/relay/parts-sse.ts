import type { RouterStream, StreamPart } from 'model-router';
import { READY_PART, type ReadyPartSource } from '../../util/ready-part.js';
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
 * An SSE reply over a router stream: parts are pulled only when the writer asks for the next chunk —
 * the one the stream's `next()` brings and those already buffered behind it (`READY_PART`), framed
 * into one chunk — so nothing piles up here and a slow client slows the upstream read. `next()` never
 * rejects: a failure becomes the format's error frames. `cancel` (the client went away) cancels the
 * router stream, which cancels the upstream call and releases everything it holds.
 */
export function partsToSse(
  stream: RouterStream,
  parts: ReadyPartSource<StreamPart>,
  framing: SseFraming,
  headers: Record<string, string> = {},
): SseReply {
  const queue: string[] = framing.open ? framing.open() : [];
  let finished = false;
  const drain = (): string | undefined =>
    queue.length === 0 ? undefined : queue.length === 1 ? queue.pop() : queue.splice(0).join('');
  const add = (frames: string[]): void => {
    for (const frame of frames) queue.push(frame);
  };
  // Not async functions: a part costs the source's promise and one `then`, no extra microtask turns.
  const pull = (): Promise<string | undefined> => {
    let next: Promise<IteratorResult<StreamPart>>;
    try {
      next = parts.next();
    } catch (error) {
      return Promise.resolve(onFailure(error));
    }
    return next.then(onItem, onFailure);
  };
  const ready = parts[READY_PART]?.bind(parts);
  const onItem = (item: IteratorResult<StreamPart>): string | undefined | Promise<string | undefined> => {
    if (finished) return undefined;
    try {
      // This part, and every one already there behind it: their frames go out in one chunk.
      for (let next: IteratorResult<StreamPart> | undefined = item; next; next = ready?.()) {
        if (next.done) {
          finished = true;
          if (framing.close) add(framing.close());
          break;
        }
        add(framing.part(next.value));
      }
    } catch (error) {
      return onFailure(error);
    }
    // Parts that say nothing on the wire (`start`): read on.
    if (queue.length === 0 && !finished) return pull();
    return drain();
  };
  const onFailure = (error: unknown): string | undefined => {
    if (finished) return undefined;
    finished = true;
    add(framing.error(error));
    return drain();
  };
  return {
    kind: 'sse',
    status: 200,
    headers: { ...SSE_HEADERS, ...headers },
    next() {
      if (queue.length > 0) return Promise.resolve(drain());
      if (finished) return Promise.resolve(undefined);
      return pull();
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

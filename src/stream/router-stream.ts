import { RouterError } from '../errors/router-error.js';
import type { RequestContext } from '../routing/attempt-context.js';
import { runLoop } from '../routing/loop.js';
import type { Runtime } from '../routing/runtime.js';
import { streamBody } from '../routing/stream-body.js';
import type { CompletionResult } from '../types/result.js';
import type { RouterStream, StreamPart } from '../types/stream.js';
import { wireChars } from '../util/approx-size.js';
import { LightSignal } from '../util/light-signal.js';
import { READY_PART, type ReadyPartSource } from '../util/ready-part.js';
import { Channel } from './channel.js';

/** Parts buffered for a slow consumer before the pump waits (with `limits.streamBufferBytes`). */
const HIGH_WATER_MARK = 256;

/** Fixed cost counted per buffered part, besides its strings. */
const PART_OVERHEAD_BYTES = 64;

/** What a buffered part costs: 2 bytes per UTF-16 code unit of its strings, plus the overhead. */
export function partBytes(part: StreamPart): number {
  let chars = 0;
  switch (part.type) {
    case 'text-delta':
      chars = part.text.length;
      break;
    case 'tool-call-delta':
      chars = part.argumentsDelta.length + (part.id?.length ?? 0) + (part.name?.length ?? 0);
      break;
    case 'reasoning-delta':
      chars = (part.text?.length ?? 0) + (part.signature?.length ?? 0) + (part.data?.length ?? 0);
      break;
    case 'wire':
      chars = wireChars(part);
      break;
  }
  return PART_OVERHEAD_BYTES + 2 * chars;
}

export interface StreamHooks {
  requestId: string;
  signal: AbortSignal | undefined;
  prepare: () => Promise<RequestContext>;
  onSuccess: (result: CompletionResult, rc: RequestContext) => void;
  /** `rc` is there once the request's name resolved. */
  onFailure: (error: unknown, rc: RequestContext | undefined) => unknown;
  /** Called exactly once, after everything the stream held is released. */
  onEnd: () => void;
  /** Called once, at once: lets the router find streams nobody reads when it closes. */
  track?: (handle: StreamHandle) => void;
}

/** What the router sees of a live stream. */
export interface StreamHandle {
  /** `next()` calls of the consumer so far. */
  reads(): number;
  /** True while the consumer waits in `next()` for a part: it is reading. */
  reading(): boolean;
  cancel(reason: unknown): void;
}

/**
 * Start a stream: a background pump runs the attempt loop and owns every slot and reservation (so
 * they are released in its `finally` whether the consumer reads, breaks, cancels or walks away);
 * the consumer reads from a bounded channel.
 */
export function streamRequest(rt: Runtime, hooks: StreamHooks): RouterStream {
  const channel = new Channel<StreamPart>(HIGH_WATER_MARK, rt.options.limits.streamBufferBytes, partBytes);
  // The request's abort (the caller's, or the consumer's cancel), as the attempts listen on it.
  const control = new LightSignal();
  const caller = hooks.signal;
  const onCallerAbort = () =>
    control.abort(new RouterError('ABORTED', 'Request aborted by the caller', { cause: caller?.reason }));
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener('abort', onCallerAbort, { once: true });

  const cancel = (reason?: unknown) => {
    if (!control.aborted) {
      control.abort(new RouterError('ABORTED', 'Stream cancelled by the consumer', { cause: reason }));
    }
  };

  hooks.track?.({
    reads: () => channel.reads,
    reading: () => channel.reading,
    cancel: (reason) => {
      if (!control.aborted) control.abort(reason);
    },
  });

  const result = (async () => {
    let rc: RequestContext | undefined;
    try {
      const prepared = await hooks.prepare();
      rc = { ...prepared, signal: control.asAbortSignal() };
      if (control.aborted) throw control.reason;
      const out = await runLoop(rt, rc, streamBody(rt, channel));
      const value = out.value;
      value.attempts = out.attempts;
      value.latencyMs = rt.options.clock.now() - rc.startedAt;
      channel.close();
      hooks.onSuccess(value, rc);
      return value;
    } catch (error) {
      channel.fail(error);
      throw hooks.onFailure(error, rc);
    } finally {
      caller?.removeEventListener('abort', onCallerAbort);
      hooks.onEnd();
    }
  })();
  // Nobody has to await `result`: an unread failure must not become an unhandled rejection.
  result.catch(() => {});

  let iterated = false;
  return {
    result,
    cancel,
    [Symbol.asyncIterator](): ReadyPartSource<StreamPart> {
      if (iterated) throw new RouterError('VALIDATION', 'A RouterStream can be iterated once');
      iterated = true;
      return {
        next: () => channel.next(),
        [READY_PART]: () => channel.ready(),
        return: async () => {
          cancel('consumer stopped iterating');
          channel.discard();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

/** A stream that fails at once (the router is closed). */
streamRequest.failed = (error: RouterError): RouterStream => {
  const result = Promise.reject(error);
  result.catch(() => {});
  return {
    result,
    cancel: () => {},
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(error),
      return: async () => ({ value: undefined, done: true }),
    }),
  };
};

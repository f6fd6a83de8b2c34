import { type EventSourceMessage, createParser } from 'eventsource-parser';
import type { AdapterStreamPart } from '../../types/stream.js';
import { type AnyCallContext, protocolError, transportError } from './context.js';
import type { HttpBody } from './transport.js';

/** What one server-sent event turned into. */
export interface SseStep {
  parts: AdapterStreamPart[];
  /** The provider's terminal event (`[DONE]`, `message_stop`): stop reading. */
  done: boolean;
}

/** A provider's event grammar. Throws `ProviderError` for error events and malformed data. */
export interface SseDecoder {
  onEvent(event: EventSourceMessage): SseStep;
  /** The body ended before the terminal event: the trailing parts, or throw. */
  onEnd(): AdapterStreamPart[];
}

const ignore = (): void => {};
const LF = 10;
const CR = 13;
/** Node's Buffer, where there is one: its `indexOf` searches bytes about twice as fast as a Uint8Array's. */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** The same bytes, as a Buffer when the runtime has one (a view: nothing is copied). */
function bytesView(chunk: Uint8Array): Uint8Array {
  if (!NodeBuffer || NodeBuffer.isBuffer(chunk)) return chunk;
  return NodeBuffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Length of the unterminated line after `chunk` (given `carried` bytes of it before), or -1 as
 * soon as any line is longer than `max`. Checked on raw bytes, before decoding or parsing, so a
 * line that never ends is refused after `max` bytes instead of buffered.
 */
export function trackLineLength(bytes: Uint8Array, carried: number, max: number): number {
  const chunk = bytesView(bytes);
  let current = carried;
  let start = 0;
  // Cache both searches: re-running the one that found nothing would make this quadratic.
  let lf = chunk.indexOf(LF);
  let cr = chunk.indexOf(CR);
  for (;;) {
    if (lf !== -1 && lf < start) lf = chunk.indexOf(LF, start);
    if (cr !== -1 && cr < start) cr = chunk.indexOf(CR, start);
    const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
    if (end === -1) {
      current += chunk.length - start;
      return current > max ? -1 : current;
    }
    if (current + end - start > max) return -1;
    current = 0;
    start = end + 1;
  }
}

/**
 * Turn a `text/event-stream` body into adapter parts. Memory stays bounded (`maxLineBytes`,
 * `maxEventBytes`, and at most one network chunk of parsed events queued). The body is cancelled
 * when the stream ends in any way: done, error, the caller's abort (its reason is rethrown), or
 * the consumer's `return()` — even while a read is pending, and even before iteration starts.
 */
export function sseParts(
  ctx: AnyCallContext,
  body: HttpBody,
  decoder: SseDecoder,
): AsyncIterable<AdapterStreamPart> {
  // The call's abort as the helpers listen on it: no AbortSignal made when the router made the call.
  const { signal } = ctx;
  const { maxLineBytes, maxEventBytes } = ctx.limits;
  const reader = body.getReader();
  let closed = false;
  const onAbort = (): void => close(signal.reason);
  function close(reason?: unknown): void {
    if (closed) return;
    closed = true;
    signal.removeEventListener('abort', onAbort);
    // Never awaited: a cancel may wait on the source; a pending read resolves `done` at once.
    reader.cancel(reason).catch(ignore);
  }
  // Registered now, not at the first next(): a stream abandoned before iteration is freed too.
  signal.addEventListener('abort', onAbort, { once: true });

  async function* generate(): AsyncGenerator<AdapterStreamPart, void, undefined> {
    try {
      if (signal.aborted) throw signal.reason;
      const events: EventSourceMessage[] = [];
      let overflow = false;
      const parser = createParser({
        maxBufferSize: maxEventBytes,
        onEvent: (event) => events.push(event),
        // Unknown fields and bad `retry` values are ignored, as the SSE spec says.
        onError: (error) => {
          if (error.type === 'max-buffer-size-exceeded') overflow = true;
        },
      });
      const text = new TextDecoder();
      let lineBytes = 0;
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          throw transportError(ctx, err);
        }
        if (signal.aborted) throw signal.reason;
        if (closed) return; // the consumer called return() while this read was pending
        if (chunk.done) break;
        lineBytes = trackLineLength(chunk.value, lineBytes, maxLineBytes);
        if (lineBytes < 0)
          throw protocolError(ctx, `an event-stream line is over the ${maxLineBytes}-byte limit`);
        parser.feed(text.decode(chunk.value, { stream: true }));
        if (overflow) throw protocolError(ctx, `an event is over the ${maxEventBytes}-character limit`);
        while (events.length > 0) {
          const step = decoder.onEvent(events.shift()!);
          for (const part of step.parts) {
            yield part;
            if (signal.aborted) throw signal.reason;
          }
          if (step.done) return;
        }
      }
      // An event not closed by a blank line is discarded, as the SSE spec says; the decoder decides
      // whether what came before is a whole answer.
      parser.feed(text.decode());
      for (const part of decoder.onEnd()) yield part;
    } finally {
      close();
    }
  }

  let iterated = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<AdapterStreamPart> {
      if (iterated) throw new TypeError(`${ctx.adapter}: a provider stream can be iterated once`);
      iterated = true;
      const gen = generate();
      return {
        next: () => gen.next(),
        // Cancel first: a generator's own return() would wait behind a pending read.
        return: (value?: unknown) => {
          close();
          return gen.return(value as undefined);
        },
        throw: (err?: unknown) => {
          close();
          return gen.throw(err);
        },
      };
    },
  };
}

/** Parse an event's JSON data; malformed data is a protocol error. */
export function parseEventJson(ctx: AnyCallContext, event: EventSourceMessage): unknown {
  try {
    return JSON.parse(event.data);
  } catch (err) {
    throw protocolError(ctx, `malformed JSON in event${event.event ? ` "${event.event}"` : ''}`, err);
  }
}

import { type EventSourceMessage, type EventSourceParser, createParser } from 'eventsource-parser';
import type { AdapterStreamPart } from '../../types/stream.js';
import { type AnyCallContext, protocolError, transportError } from './context.js';
import type { HttpBody, HttpBodyReader } from './transport.js';
import { READY_PART, type ReadyPartSource } from '../../util/ready-part.js';

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
 *
 * A hand-written iterator, not an async generator: a part already decoded is handed out in one
 * resolved promise (a generator's yield costs several promises and microtask turns per part), and
 * only a part that needs a read waits for one. Events are decoded one at a time, as they are
 * asked for, so a decoder error comes after the parts of the events before it.
 */
export function sseParts(
  ctx: AnyCallContext,
  body: HttpBody,
  decoder: SseDecoder,
): AsyncIterable<AdapterStreamPart> {
  // The call's abort as the helpers listen on it: no AbortSignal made when the router made the call.
  const { signal } = ctx;
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

  let iterated = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<AdapterStreamPart> {
      if (iterated) throw new TypeError(`${ctx.adapter}: a provider stream can be iterated once`);
      iterated = true;
      return new SseIterator(ctx, reader, decoder, close, () => closed);
    },
  };
}

const NO_PARTS: AdapterStreamPart[] = [];

/** The end of a stream: a new object each time (a consumer may keep or change what it got). */
const ended = (value?: unknown): IteratorResult<AdapterStreamPart> => ({
  value: value as undefined,
  done: true,
});

class SseIterator implements ReadyPartSource<AdapterStreamPart> {
  private readonly events: EventSourceMessage[] = [];
  private parser: EventSourceParser | undefined;
  private text: TextDecoder | undefined;
  private overflow = false;
  private lineBytes = 0;
  /** The parts of the event being handed out, and the next one's index. */
  private parts: AdapterStreamPart[] = NO_PARTS;
  private at = 0;
  /** That event was the terminal one: the stream ends after its parts. */
  private last = false;
  /** The parts are the decoder's `onEnd` ones: handed out without an abort check in between. */
  private ending = false;
  private finished = false;
  /** The `next()` waiting on a read, if any: a call made meanwhile waits behind it. */
  private pending: Promise<IteratorResult<AdapterStreamPart>> | undefined;

  constructor(
    private readonly ctx: AnyCallContext,
    private readonly reader: HttpBodyReader,
    private readonly decoder: SseDecoder,
    private readonly close: (reason?: unknown) => void,
    private readonly isClosed: () => boolean,
  ) {}

  next(): Promise<IteratorResult<AdapterStreamPart>> {
    if (this.pending) {
      const again = () => this.next();
      return this.pending.then(again, again);
    }
    let ready: IteratorResult<AdapterStreamPart> | undefined;
    try {
      ready = this[READY_PART]();
    } catch (error) {
      return Promise.reject(error);
    }
    if (ready) return Promise.resolve(ready);
    const pending = this.pull();
    this.pending = pending;
    return pending;
  }

  /** A part (or the end) already decoded, without a promise; `undefined` when a read is needed. */
  [READY_PART](): IteratorResult<AdapterStreamPart> | undefined {
    if (this.pending) return undefined;
    if (this.finished) return ended();
    try {
      const { signal } = this.ctx;
      if (!this.ending && signal.aborted) throw signal.reason;
      if (!this.parser) this.start();
      return this.take();
    } catch (error) {
      this.finish();
      throw error;
    }
  }

  return(value?: unknown): Promise<IteratorResult<AdapterStreamPart>> {
    // Cancel first: the pending read resolves `done` at once, and this answers after it.
    this.close();
    const { pending } = this;
    if (!pending) {
      this.finish();
      return Promise.resolve(ended(value));
    }
    const after = () => {
      this.finish();
      return ended(value);
    };
    return pending.then(after, after);
  }

  throw(error?: unknown): Promise<IteratorResult<AdapterStreamPart>> {
    this.close();
    const { pending } = this;
    const after = () => {
      this.finish();
      return Promise.reject(error);
    };
    return pending ? pending.then(after, after) : after();
  }

  private start(): void {
    const { maxEventBytes } = this.ctx.limits;
    const { events } = this;
    this.parser = createParser({
      maxBufferSize: maxEventBytes,
      onEvent: (event) => events.push(event),
      // Unknown fields and bad `retry` values are ignored, as the SSE spec says.
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') this.overflow = true;
      },
    });
    this.text = new TextDecoder();
  }

  /** The next part ready without a read, the end, or `undefined` when a read is needed. Throws the decoder's errors. */
  private take(): IteratorResult<AdapterStreamPart> | undefined {
    for (;;) {
      if (this.at < this.parts.length) return { value: this.parts[this.at++]!, done: false };
      if (this.last || this.ending) {
        this.finish();
        return ended();
      }
      const event = this.events.shift();
      if (event === undefined) return undefined;
      const step = this.decoder.onEvent(event);
      this.parts = step.parts;
      this.at = 0;
      this.last = step.done;
    }
  }

  /** Read until a part or the end is ready. */
  private async pull(): Promise<IteratorResult<AdapterStreamPart>> {
    const { ctx } = this;
    const { signal } = ctx;
    const { maxLineBytes, maxEventBytes } = ctx.limits;
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await this.reader.read();
        } catch (err) {
          throw transportError(ctx, err);
        }
        if (signal.aborted) throw signal.reason;
        if (this.isClosed()) {
          // The consumer called return() while this read was pending.
          this.finish();
          return ended();
        }
        if (chunk.done) {
          // An event not closed by a blank line is discarded, as the SSE spec says; the decoder
          // decides whether what came before is a whole answer.
          this.parser!.feed(this.text!.decode());
          this.events.length = 0;
          this.ending = true;
          this.parts = this.decoder.onEnd();
          this.at = 0;
          return this.take()!;
        }
        this.lineBytes = trackLineLength(chunk.value, this.lineBytes, maxLineBytes);
        if (this.lineBytes < 0)
          throw protocolError(ctx, `an event-stream line is over the ${maxLineBytes}-byte limit`);
        this.parser!.feed(this.text!.decode(chunk.value, { stream: true }));
        if (this.overflow) throw protocolError(ctx, `an event is over the ${maxEventBytes}-character limit`);
        const ready = this.take();
        if (ready) return ready;
      }
    } catch (error) {
      this.finish();
      throw error;
    } finally {
      this.pending = undefined;
    }
  }

  /** Ended, in any way: nothing more is read or handed out, and the body is cancelled. */
  private finish(): void {
    this.finished = true;
    this.parts = NO_PARTS;
    this.at = 0;
    this.events.length = 0;
    this.close();
  }
}

/** Parse an event's JSON data; malformed data is a protocol error. */
export function parseEventJson(ctx: AnyCallContext, event: EventSourceMessage): unknown {
  try {
    return JSON.parse(event.data);
  } catch (err) {
    throw protocolError(ctx, `malformed JSON in event${event.event ? ` "${event.event}"` : ''}`, err);
  }
}

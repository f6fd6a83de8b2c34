import type { AdapterStreamPart } from '../../types/stream.js';
import { type CallContext, protocolError, transportError } from '../shared/context.js';
import type { SseStep } from '../shared/sse.js';
import type { HttpBody } from '../shared/transport.js';

/** One decoded `application/vnd.amazon.eventstream` message: its string headers and its payload. */
export interface EventMessage {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A stream's message grammar. Throws `ProviderError` for exceptions and malformed payloads. */
export interface EventDecoder {
  onMessage(message: EventMessage): SseStep;
  /** The body ended before the terminal message: the trailing parts, or throw. */
  onEnd(): AdapterStreamPart[];
}

/** The codec's decode: one whole message (prelude, headers, payload, CRCs) → headers and body. */
export type DecodeMessage = (bytes: Uint8Array) => {
  headers: Record<string, { type: string; value: unknown }>;
  body: Uint8Array;
};

const MIN_MESSAGE = 16; // prelude + message CRC
const ignore = (): void => {};

/**
 * Collects the bytes of length-prefixed messages. A message's declared length is checked against
 * `max` as soon as its first four bytes are in, so a hostile length never buffers.
 */
class Framer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
  }

  /** The next whole message, `undefined` when more bytes are needed, or a string saying what is wrong. */
  next(): Uint8Array | string | undefined {
    if (this.size < 4) return undefined;
    const head = this.peek(4);
    const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, false);
    if (length < MIN_MESSAGE)
      return `a message declares ${length} bytes, under the ${MIN_MESSAGE}-byte minimum`;
    if (length > this.max) return `a message of ${length} bytes is over the ${this.max}-byte limit`;
    if (this.size < length) return undefined;
    const all = this.peek(this.size);
    const message = all.slice(0, length);
    const rest = all.subarray(length);
    this.chunks = rest.byteLength > 0 ? [rest] : [];
    this.size = rest.byteLength;
    return message;
  }

  get pending(): number {
    return this.size;
  }

  private peek(bytes: number): Uint8Array {
    if (this.chunks[0]!.byteLength >= bytes) return this.chunks[0]!;
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    this.chunks = [out];
    return out;
  }
}

/**
 * Turn an event-stream body into adapter parts, bounded by `limits.maxEventBytes` per message.
 * The body is cancelled however the stream ends (done, error, the caller's abort — its reason is
 * rethrown — or the consumer's `return()`, even while a read is pending).
 */
export function eventStreamParts(
  ctx: CallContext,
  body: HttpBody,
  decode: DecodeMessage,
  decoder: EventDecoder,
): AsyncIterable<AdapterStreamPart> {
  const { signal } = ctx.call;
  const reader = body.getReader();
  let closed = false;
  const onAbort = (): void => close(signal.reason);
  function close(reason?: unknown): void {
    if (closed) return;
    closed = true;
    signal.removeEventListener('abort', onAbort);
    reader.cancel(reason).catch(ignore);
  }
  signal.addEventListener('abort', onAbort, { once: true });

  function read(bytes: Uint8Array): EventMessage {
    let decoded: ReturnType<DecodeMessage>;
    try {
      decoded = decode(bytes);
    } catch (err) {
      // CRC mismatches, bad header types: the codec's message says which.
      throw protocolError(ctx, `malformed event-stream message (${(err as Error).message})`, err);
    }
    const headers: Record<string, string> = {};
    for (const [name, header] of Object.entries(decoded.headers)) {
      if (header.type === 'string') headers[name] = String(header.value);
    }
    return { headers, body: decoded.body };
  }

  async function* generate(): AsyncGenerator<AdapterStreamPart, void, undefined> {
    try {
      if (signal.aborted) throw signal.reason;
      const framer = new Framer(ctx.limits.maxEventBytes);
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          throw transportError(ctx, err);
        }
        if (signal.aborted) throw signal.reason;
        if (closed) return;
        if (chunk.done) break;
        framer.push(chunk.value);
        for (;;) {
          const next = framer.next();
          if (next === undefined) break;
          if (typeof next === 'string') throw protocolError(ctx, next);
          const step = decoder.onMessage(read(next));
          for (const part of step.parts) {
            yield part;
            if (signal.aborted) throw signal.reason;
          }
          if (step.done) return;
        }
      }
      if (framer.pending > 0) throw protocolError(ctx, 'the stream ended inside a message');
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

import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { CallSignal } from './call-signal.js';
import type { DispatchHandler } from './dispatcher.js';
import { RawHeaders } from './raw-headers.js';
import type { HttpBody, HttpBodyReader, HttpHeaders, HttpResponse } from './transport.js';

/** Chunks buffered ahead of the reader before the connection is paused (backpressure). */
const HIGH_WATER = 16;

type Decoder = ReturnType<typeof createGunzip>;

/**
 * One POST through the dispatcher, in one object: the dispatcher's handler, then — once the head is
 * in — the response and its body, a queue of chunks read by one reader (or by `text()`). The promise
 * settles once: with this response at the head, or rejected (a `TypeError` with the connection's
 * error as `cause`, as `fetch` rejects; the signal's reason on an abort). The body is paused past
 * `HIGH_WATER` chunks and ended, failed or cancelled exactly once; whichever comes first also drops
 * the request when it is still open and stops listening on the signal.
 */
export class DispatchedResponse implements DispatchHandler, HttpResponse, HttpBody, HttpBodyReader {
  status = 0;
  ok = false;
  headers: HttpHeaders = NO_HEADERS;
  readonly body: HttpBody = this;
  /** Until the head comes (or the call fails before it). */
  private pending: { resolve: (r: HttpResponse) => void; reject: (e: unknown) => void } | undefined;
  /** The dispatcher's `abort` (once the request is on a connection). */
  private abortRequest: ((reason?: Error) => void) | undefined;
  /** Dropped before the dispatcher gave `abort`: it is called as soon as it does. */
  private dropped = false;
  private listening = true;
  private resumeSource: (() => void) | undefined;
  private paused = false;
  private decoder: Decoder | undefined;
  private readonly chunks: Uint8Array[] = [];
  private done = false;
  private failed = false;
  private error: unknown;
  private waiting:
    | { resolve: (r: ReadableStreamReadResult<Uint8Array>) => void; reject: (e: unknown) => void }
    | undefined;
  /** A `text()` in progress: every chunk is queued until the end, which settles it. */
  private whole: { resolve: (text: string) => void; reject: (e: unknown) => void } | undefined;

  constructor(
    private readonly signal: CallSignal,
    resolve: (r: HttpResponse) => void,
    reject: (e: unknown) => void,
  ) {
    this.pending = { resolve, reject };
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  // The dispatcher's handler.

  onConnect(abort: (reason?: Error) => void): void {
    if (this.dropped) abort();
    else this.abortRequest = abort;
  }

  onHeaders(status: number, rawHeaders: Uint8Array[], resume: () => void): boolean {
    // An informational head (103 Early Hints, 102 Processing): the response's own head follows.
    if (status < 200) return true;
    const pending = this.pending;
    if (!pending) return false;
    this.pending = undefined;
    this.status = status;
    this.ok = status >= 200 && status < 300;
    this.headers = new RawHeaders(rawHeaders);
    this.resumeSource = resume;
    this.decoder = decoderFor(this.headers.get('content-encoding'));
    if (this.decoder) this.decode(this.decoder, resume);
    pending.resolve(this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    const decoder = this.decoder;
    if (!decoder) return this.push(chunk);
    if (this.done || this.failed) return true;
    return decoder.write(chunk);
  }

  onComplete(): void {
    if (this.decoder) this.decoder.end();
    else this.finish();
  }

  onError(error: Error): void {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      this.release();
      pending.reject(new TypeError('fetch failed', { cause: error }));
      return;
    }
    this.fail(new TypeError('terminated', { cause: error }));
  }

  // The response's body.

  getReader(): HttpBodyReader {
    return this;
  }

  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      if (this.chunks.length === 0 && !this.done) this.unpause();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failed) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** Stop reading: the request is dropped (its connection with it), a pending read resolves as done. */
  cancel(): Promise<void> {
    if (!this.done && !this.failed) {
      this.done = true;
      this.whole?.resolve(this.joined());
      this.whole = undefined;
      this.chunks.length = 0;
      this.drop();
      this.release();
    }
    this.wake({ done: true, value: undefined });
    return Promise.resolve();
  }

  /** The rest of the body, decoded: the chunks are queued as they come, no promise per chunk. */
  text(): Promise<string> {
    if (this.failed) return Promise.reject(this.error);
    if (this.done) {
      const text = this.joined();
      this.chunks.length = 0;
      return Promise.resolve(text);
    }
    return new Promise((resolve, reject) => {
      this.whole = { resolve, reject };
      this.unpause();
    });
  }

  /** The body breaks off with `reason` (an abort, a reset connection); a pending read rejects. */
  private fail(reason: unknown): void {
    if (this.done || this.failed) return;
    this.failed = true;
    this.error = reason;
    this.chunks.length = 0;
    this.drop();
    this.release();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(reason);
    const whole = this.whole;
    this.whole = undefined;
    whole?.reject(reason);
  }

  /** The caller's abort: before the head the call rejects with its reason, after it the body does. */
  private readonly onAbort = (): void => {
    const reason = this.signal.reason;
    const pending = this.pending;
    if (!pending) {
      this.fail(reason);
      return;
    }
    this.pending = undefined;
    this.drop();
    this.release();
    pending.reject(reason);
  };

  /** `false` when the source should pause. */
  private push(chunk: Uint8Array): boolean {
    if (this.done || this.failed) return true;
    if (this.waiting) {
      this.wake({ done: false, value: chunk });
      return true;
    }
    this.chunks.push(chunk);
    // `text()` takes everything; its bound is the caller's (a declared length within its cap).
    if (this.chunks.length >= HIGH_WATER && !this.whole) {
      this.paused = true;
      return false;
    }
    return true;
  }

  private finish(): void {
    if (this.done || this.failed) return;
    this.done = true;
    this.release();
    const whole = this.whole;
    if (whole) {
      this.whole = undefined;
      const text = this.joined();
      this.chunks.length = 0;
      whole.resolve(text);
      return;
    }
    if (this.chunks.length === 0) this.wake({ done: true, value: undefined });
  }

  /** A compressed body: the dispatcher's chunks go through `decoder`, its output into the queue. */
  private decode(decoder: Decoder, resume: () => void): void {
    decoder.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) decoder.pause();
    });
    decoder.on('end', () => this.finish());
    decoder.on('error', (cause: unknown) => this.fail(new TypeError('terminated', { cause })));
    // The dispatcher paused when a write found the decoder full; it goes on once the decoder drains.
    decoder.on('drain', resume);
  }

  private unpause(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.decoder) this.decoder.resume();
    else this.resumeSource?.();
  }

  /** Drop the request (and its connection) unless it is complete; free the decoder. */
  private drop(): void {
    this.decoder?.destroy();
    if (this.abortRequest) this.abortRequest();
    else this.dropped = true;
  }

  private release(): void {
    if (!this.listening) return;
    this.listening = false;
    this.signal.removeEventListener('abort', this.onAbort);
  }

  /** The queued chunks as one string. */
  private joined(): string {
    const { chunks } = this;
    if (chunks.length === 0) return '';
    if (chunks.length === 1) return utf8.decode(chunks[0]);
    let size = 0;
    for (const chunk of chunks) size += chunk.byteLength;
    return utf8.decode(Buffer.concat(chunks, size));
  }

  private wake(result: ReadableStreamReadResult<Uint8Array>): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(result);
  }
}

const NO_HEADERS = new RawHeaders([]);

/** UTF-8 with a leading BOM removed, as `Response.text()` decodes. */
const utf8 = new TextDecoder();

/** The decoder a `content-encoding` names (as fetch decodes it); none for an identity body. */
function decoderFor(encoding: string | null): Decoder | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress() as unknown as Decoder;
    default:
      return undefined;
  }
}

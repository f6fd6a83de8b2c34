import type { IncomingMessage } from 'node:http';

/**
 * The body of the `Request` that `toNodeListener` hands a handler (`node-request.ts`), read from
 * node:http: whole for `json()`/`text()`/`arrayBuffer()`, or as the web stream of the real `Request`.
 */

export const EMPTY = new Uint8Array(0);

/** What the body's readers share. */
export interface BodyState {
  readonly req: IncomingMessage;
  /** False for GET and HEAD: no body (and no stream for it: each costs ~20 µs on Node 20). */
  readonly hasBody: boolean;
  /** A body a middleware (Express) already read from the stream, as the handler should see it. */
  readonly parsed: string | Uint8Array<ArrayBuffer> | undefined;
  /** Read by a fast path (`json`, `text`, `arrayBuffer`). */
  used: boolean;
  /** Reading node's stream began; it ended; its rest is being discarded. */
  started: boolean;
  ended: boolean;
  cancelled: boolean;
}

/** The body read whole, straight from node:http (no web stream): the fast paths' source. */
export function readAll(s: BodyState): Promise<Uint8Array> {
  if (!s.hasBody) return Promise.resolve(EMPTY);
  if (s.used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
  s.used = true;
  if (s.parsed !== undefined) {
    return Promise.resolve(typeof s.parsed === 'string' ? Buffer.from(s.parsed) : s.parsed);
  }
  const { req } = s;
  // Read to its end by someone before the handler (a middleware that kept nothing): nothing left.
  if (req.readableEnded) return Promise.resolve(EMPTY);
  if (req.destroyed) return Promise.reject(closedEarly());
  s.started = true;
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      if (!s.cancelled) chunks.push(chunk);
    };
    // A read the handler left behind (it answered first: `discardRest`) never settles, as a
    // cancelled stream's never does: nobody awaits it, and a rejection would go unhandled.
    const onEnd = (): void => {
      s.ended = true;
      off();
      if (!s.cancelled) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      off();
      if (!s.cancelled) reject(error);
    };
    const onClose = (): void => {
      off();
      if (!s.cancelled) reject(closedEarly());
    };
    const off = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    req.resume(); // a 'data' listener alone does not restart a stream someone paused
  });
}

/**
 * The request body as a web stream that reads only when the handler does (high-water mark 0: nothing
 * is read for a handler that never looks at the body, and Node discards it as usual). Cancelling it (a
 * body over the size cap) discards the rest without destroying the socket, so the 413 still reaches
 * the client.
 */
export function bodyStream(s: BodyState): ReadableStream<Uint8Array> {
  const { req } = s;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!s.started) {
          // Read to its end before the handler (a middleware that kept nothing): nothing left.
          if (req.readableEnded) return controller.close();
          if (req.destroyed) return controller.error(closedEarly());
          s.started = true;
          req.on('data', (chunk: Buffer) => {
            if (s.cancelled) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 0) <= 0) req.pause();
          });
          req.once('end', () => {
            s.ended = true;
            if (!s.cancelled) controller.close();
          });
          req.once('error', (error) => {
            if (!s.cancelled) controller.error(error);
          });
          req.once('close', () => {
            if (!s.ended && !s.cancelled) controller.error(closedEarly());
          });
        }
        req.resume();
      },
      cancel() {
        s.cancelled = true;
        req.resume(); // discard the rest
      },
    },
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
}

/** What reading a body the client cut off rejects with (undici's word for it: `terminated`). */
const closedEarly = (): TypeError => new TypeError('terminated: the request closed before its body ended');

/** Discard what is left of a body begun and not ended; true when there was such a rest. */
export function discardRest(s: BodyState): boolean {
  if (!s.started || s.ended) return false;
  s.cancelled = true;
  s.req.resume();
  return true;
}

/** A body's text as a `Request` decodes it: UTF-8, a byte-order mark dropped, bad bytes replaced. */
export function utf8(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

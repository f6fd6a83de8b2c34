import type { IncomingMessage } from 'node:http';
import { HttpProblem } from '../problem.js';
import { bodyText, checkContentType, parseJsonText, tooLarge } from '../read-body.js';

/**
 * The request body of a node:http request as JSON, under the same rules as the web door
 * (`readJsonBody`): 415 for a non-JSON type, 413 by `Content-Length` before a byte is read or as soon
 * as a chunked body passes the cap, 400 for empty, non-UTF-8 or malformed JSON. A body that another
 * middleware already parsed (`express.json()`) is taken as it is.
 */
export function readNodeJson(req: IncomingMessage, maxBytes: number, state: BodyState): Promise<unknown> {
  checkContentType(req.headers['content-type'] ?? null);
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined && req.readableEnded) {
    if (typeof parsed === 'string') return Promise.resolve(parseJsonText(parsed));
    if (parsed instanceof Uint8Array) return Promise.resolve(parseJsonText(bodyText(parsed)));
    return Promise.resolve(parsed);
  }
  if (req.readableEnded) {
    // Read to its end by something else (Fastify's body parser) with nothing left behind: no more
    // data will come, so say so instead of waiting forever.
    return Promise.reject(
      new HttpProblem(
        500,
        'BODY_CONSUMED',
        'The request body was read before the relay got it: mount the relay before body parsers, or set req.body',
        { type: 'server_error' },
      ),
    );
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(tooLarge(maxBytes));
  state.started = true;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        cleanup();
        req.resume(); // discard the rest; the connection closes after the 413
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      state.ended = true;
      try {
        resolve(parseJsonText(bodyText(Buffer.concat(chunks, size))));
      } catch (error) {
        reject(error);
      }
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAborted = () => {
      cleanup();
      reject(new HttpProblem(400, 'VALIDATION', 'The request body was cut off', { param: 'body' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** Whether the body was started and not read to its end (the connection must then close). */
export interface BodyState {
  started: boolean;
  ended: boolean;
}

import { HttpProblem } from './problem.js';

/** Default cap on request bodies: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export const tooLarge = (limit: number): HttpProblem =>
  new HttpProblem(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`);

/**
 * A non-JSON `Content-Type` is refused (415), which also keeps browsers' simple cross-site form posts
 * out. A missing one is accepted (curl without `-H`).
 */
export function checkContentType(type: string | null): void {
  if (type === null || type === 'application/json') return; // what clients send, without the regex
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) {
    throw new HttpProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
  }
}

/** A body's text as JSON: 400 naming `body` when it is empty or malformed. */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '')
    throw new HttpProblem(400, 'VALIDATION', 'A JSON request body is required', { param: 'body' });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpProblem(400, 'VALIDATION', 'The request body is not valid JSON', { param: 'body' });
  }
}

/**
 * Read a JSON body without ever holding more than `maxBytes`: a `Content-Length` over the cap is refused
 * before a byte is read, and a body without one (chunked) is cut off as soon as it passes the cap.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  checkContentType(request.headers.get('content-type'));
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  // A declared length within the cap bounds the body by HTTP framing: read whole, without a reader
  // loop (toNodeListener's Request reads it straight from node:http, no web stream at all). A body
  // longer than it declared (a Request made in process) is still refused by its size.
  if (declared !== null && DIGITS.test(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    return parseJsonText(bodyText(bytes));
  }
  return parseJsonText(await readCapped(request, maxBytes));
}

const DIGITS = /^\d+$/;

async function readCapped(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        // Stop the upload: the rest is never read.
        reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  // One chunk (most bodies) is decoded as it is; several are joined first.
  const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(size);
  if (chunks.length > 1) {
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.byteLength;
    }
  }
  return bodyText(bytes);
}

/** A request body's bytes as UTF-8 text: 400 naming `body` when they are not valid UTF-8. */
export function bodyText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpProblem(400, 'VALIDATION', 'The request body is not valid UTF-8', { param: 'body' });
  }
}

/** Stateless (`fatal`, one whole input per call): one decoder serves every request. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

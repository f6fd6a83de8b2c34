import { readJsonBody } from '../read-body.js';
import type { RelayInput, RelayReply, SseReply } from './types.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A web `Request` as the core's input. */
export function webInput(request: Request): RelayInput {
  return {
    method: request.method,
    pathname: pathnameOf(request.url),
    headers: request.headers,
    signal: request.signal,
    readJson: (maxBytes) => readJsonBody(request, maxBytes),
    webRequest: () => request,
  };
}

/**
 * `new URL(url).pathname` without parsing the URL again: a `Request`'s `url` is already the URL
 * parser's serialization, where an http(s) URL's path runs from the first `/` after the host to the
 * query or fragment (a `/` in the userinfo is percent-encoded). Any other scheme goes through `URL`.
 */
function pathnameOf(url: string): string {
  const after = url.startsWith('http://') ? 7 : url.startsWith('https://') ? 8 : -1;
  if (after === -1) return new URL(url).pathname;
  const slash = url.indexOf('/', after);
  if (slash === -1) return '/';
  let end = url.length;
  const query = url.indexOf('?', slash);
  if (query !== -1) end = query;
  const hash = url.indexOf('#', slash);
  if (hash !== -1 && hash < end) end = hash;
  return url.slice(slash, end);
}

const encoder = new TextEncoder();

/** The core's reply as a web `Response`; an SSE reply becomes a pull-driven stream. */
export function webResponse(reply: RelayReply): Response {
  if (reply.kind === 'json') {
    // Bytes with their length: a server (toNodeListener among them) writes the reply with its
    // headers at once, with a Content-Length rather than chunked.
    const bytes = encoder.encode(reply.text ?? JSON.stringify(reply.body));
    return new Response(bytes, {
      status: reply.status,
      headers: { 'content-type': JSON_TYPE, ...reply.headers, 'content-length': String(bytes.byteLength) },
    });
  }
  return new Response(sseStream(reply), { status: reply.status, headers: reply.headers });
}

function sseStream(reply: SseReply): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await reply.next();
        if (chunk === undefined) controller.close();
        else controller.enqueue(encoder.encode(chunk));
      },
      cancel(reason) {
        reply.cancel(reason ?? 'client disconnected');
      },
    },
    { highWaterMark: 0 },
  );
}

import { readJsonBody } from '../read-body.js';
import type { RelayInput, RelayReply, SseReply } from './types.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A web `Request` as the core's input. */
export function webInput(request: Request): RelayInput {
  return {
    method: request.method,
    pathname: new URL(request.url).pathname,
    headers: request.headers,
    signal: request.signal,
    readJson: (maxBytes) => readJsonBody(request, maxBytes),
    webRequest: () => request,
  };
}

/** The core's reply as a web `Response`; an SSE reply becomes a pull-driven stream. */
export function webResponse(reply: RelayReply): Response {
  if (reply.kind === 'json') {
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'content-type': JSON_TYPE, ...reply.headers },
    });
  }
  return new Response(sseStream(reply), { status: reply.status, headers: reply.headers });
}

const encoder = new TextEncoder();

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

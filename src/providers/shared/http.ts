import type { ProviderError } from '../../errors/provider-error.js';
import type { RateLimitInfo } from '../../types/rate-limit.js';
import { classifyError } from './classify.js';
import { type AnyCallContext, protocolError, providerError, transportError } from './context.js';
import { extractErrorInfo, parseBody, redact, scrub } from './error-body.js';
import { headersToRecord } from './headers.js';
import { ERROR_BODY_BYTES } from './limits.js';
import { nodeFetch } from './node-transport.js';
import { parseRateLimitHeaders, retryAfterFromRateLimit } from './rate-limit-headers.js';
import type { HttpBody, HttpBodyReader, HttpResponse } from './transport.js';

const ignore = (): void => {};

/**
 * POST a JSON body with the call's signal. Resolves with a 2xx response; any other status is
 * thrown as a `ProviderError` of the kind its status and body call for.
 */
export async function postJson(
  ctx: AnyCallContext,
  url: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<HttpResponse> {
  const { signal } = ctx;
  if (signal.aborted) throw signal.reason;
  let response: HttpResponse;
  try {
    const text = JSON.stringify(body);
    // The default transport listens on the call's abort as it is; any other fetch gets an AbortSignal.
    response = await (ctx.fetch === nodeFetch
      ? nodeFetch(url, { method: 'POST', headers, body: text, signal })
      : ctx.fetch(url, { method: 'POST', headers, body: text, signal: ctx.call.signal }));
  } catch (err) {
    throw transportError(ctx, err);
  }
  if (signal.aborted) {
    response.body?.cancel().catch(ignore);
    throw signal.reason;
  }
  if (!response.ok) throw await errorFromResponse(ctx, response);
  return response;
}

/**
 * Read a body as text, at most `maxBytes`. Over the cap: a `protocol` error, or with `truncate`
 * the first `maxBytes`. Memory stays bounded either way; an abort cancels the read at once.
 */
export async function readText(
  ctx: AnyCallContext,
  response: HttpResponse,
  maxBytes: number,
  truncate = false,
): Promise<string> {
  const { signal } = ctx;
  if (signal.aborted) {
    response.body?.cancel().catch(ignore);
    throw signal.reason;
  }
  const body = response.body;
  if (!body) return '';
  const declared = Number(response.headers.get('content-length'));
  if (!truncate && declared > maxBytes) {
    body.cancel().catch(ignore);
    throw protocolError(ctx, `response body of ${declared} bytes is over the ${maxBytes}-byte limit`);
  }
  if (
    !truncate &&
    declared > 0 &&
    Number.isSafeInteger(declared) &&
    !response.headers.get('content-encoding')
  ) {
    // Fast path: a declared length within the cap bounds the read by HTTP framing itself, and the
    // native reader is several times cheaper than a chunk loop (this is every JSON reply). Not for
    // a compressed body: its length is the compressed one, and it decodes to any size.
    try {
      return await response.text();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw transportError(ctx, err);
    }
  }
  const reader: HttpBodyReader = body.getReader();
  // Some fetch implementations (and mocks) ignore the signal once headers arrived; cancel ourselves.
  const onAbort = (): void => void reader.cancel(signal.reason).catch(ignore);
  signal.addEventListener('abort', onAbort, { once: true });
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw transportError(ctx, err);
      }
      if (signal.aborted) throw signal.reason;
      if (chunk.done) break;
      const room = maxBytes - size;
      if (chunk.value.byteLength > room) {
        if (!truncate) throw protocolError(ctx, `response body is over the ${maxBytes}-byte limit`);
        text += decoder.decode(chunk.value.subarray(0, room));
        return text;
      }
      size += chunk.value.byteLength;
      text += decoder.decode(chunk.value, { stream: true });
    }
    return text + decoder.decode();
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Never awaited: a cancel can wait on the source, and the socket is freed either way.
    reader.cancel().catch(ignore);
  }
}

/** Read a JSON body (bounded by `limits.maxBodyBytes`); malformed JSON is a protocol error. */
export async function readJson(ctx: AnyCallContext, response: HttpResponse): Promise<unknown> {
  const text = await readText(ctx, response, ctx.limits.maxBodyBytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw protocolError(ctx, 'response body is not valid JSON', err);
  }
}

/** Build the `ProviderError` for a non-2xx response: kind, retry-after, rate limits, hidden body. */
export async function errorFromResponse(ctx: AnyCallContext, response: HttpResponse): Promise<ProviderError> {
  const rateLimit = parseRateLimitHeaders(response.headers, ctx.clock.now());
  let text = '';
  try {
    text = await readText(ctx, response, Math.min(ERROR_BODY_BYTES, ctx.limits.maxBodyBytes), true);
  } catch {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    // The status alone still classifies the failure; a body that broke off adds nothing.
  }
  const body = parseBody(scrub(text, ctx.call.apiKey));
  const info = extractErrorInfo(body);
  const kind = classifyError(response.status, info);
  const retryAfterMs =
    kind === 'rate_limited'
      ? (retryAfterFromRateLimit(rateLimit) ?? info.retryAfterMs)
      : (rateLimit?.retryAfterMs ?? info.retryAfterMs);
  return providerError(ctx, {
    kind,
    status: response.status,
    message: describe(ctx, `HTTP ${response.status}`, info),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(rateLimit ? { rateLimit } : {}),
    body,
    headers: headersToRecord(response.headers),
  });
}

/**
 * The `ProviderError` for an error reported inside a 2xx response: an `error` event in a stream,
 * or an error body some servers send with status 200. Classified from the body alone.
 */
export function errorFromBody(ctx: AnyCallContext, body: unknown, rateLimit?: RateLimitInfo): ProviderError {
  const info = extractErrorInfo(body);
  const kind = classifyError(undefined, info);
  const retryAfterMs =
    kind === 'rate_limited' ? (retryAfterFromRateLimit(rateLimit) ?? info.retryAfterMs) : undefined;
  return providerError(ctx, {
    kind,
    message: describe(ctx, 'error in response', info),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    body,
  });
}

/** True for the error shapes of `extractErrorInfo` (a chunk that is an error, not content). */
export function isErrorBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (b.error !== undefined && b.error !== null) || b.object === 'error' || b.type === 'error';
}

/**
 * The body of a response that should be an event stream. Some servers answer a streaming request
 * with a JSON body (an error, sometimes with status 200): that is thrown as the error it describes.
 */
export async function eventStreamBody(ctx: AnyCallContext, response: HttpResponse): Promise<HttpBody> {
  if (/\bjson\b/i.test(response.headers.get('content-type') ?? '')) {
    const body = await readJson(ctx, response);
    if (isErrorBody(body)) throw errorFromBody(ctx, body);
    throw protocolError(ctx, 'expected an event stream, got a JSON body');
  }
  if (!response.body) throw protocolError(ctx, 'the response has no body');
  return response.body;
}

/** `adapter: <what> <type>: <provider message>`, with the key and masked keys removed. */
export function describe(
  ctx: AnyCallContext,
  what: string,
  info: { type?: string; code?: string; message?: string },
): string {
  const label = info.type ?? info.code;
  const detail = [label, info.message].filter(Boolean).join(': ');
  return `${ctx.adapter}: ${what}${detail ? ` ${redact(detail, ctx.call.apiKey)}` : ''}`;
}

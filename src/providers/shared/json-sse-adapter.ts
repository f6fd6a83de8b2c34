import type { Clock } from '../../util/clock.js';
import type { ProviderAdapter, ProviderCall, ProviderResult, ProviderStream } from '../adapter.js';
import type { RateLimitInfo } from '../../types/rate-limit.js';
import type { RouterWarning } from '../../types/result.js';
import { type CallContext, createContext } from './context.js';
import { eventStreamBody, postJson, readJson } from './http.js';
import type { ResolvedLimits } from './limits.js';
import { parseRateLimitHeaders } from './rate-limit-headers.js';
import { type SseDecoder, sseParts } from './sse.js';
import type { HttpFetch } from './transport.js';

/** What distinguishes one JSON-over-HTTP, SSE-streaming provider protocol from another. */
export interface JsonSseProtocol {
  name: string;
  fetch: HttpFetch | undefined;
  limits: ResolvedLimits;
  clock: Clock;
  /** URL, headers (the key goes here and nowhere else) and JSON body of one call. */
  request(
    ctx: CallContext,
    call: ProviderCall,
    stream: boolean,
  ): { url: string; headers: Record<string, string>; body: unknown; warnings?: RouterWarning[] | undefined };
  /** A whole (non-streamed) response body → the result. */
  fromResponse(ctx: CallContext, json: unknown, rateLimit: RateLimitInfo | undefined): ProviderResult;
  /** The SSE event decoder of one streamed call. */
  decoder(ctx: CallContext): SseDecoder;
}

/**
 * The adapter both bundled providers share: POST JSON, read rate-limit headers on every response,
 * read a bounded JSON body or a bounded SSE stream. A protocol only says how to shape and read.
 */
export function jsonSseAdapter(protocol: JsonSseProtocol): ProviderAdapter {
  const { name, clock } = protocol;
  const send = (call: ProviderCall, stream: boolean) => {
    const ctx = createContext(name, call, { fetch: protocol.fetch, limits: protocol.limits, clock });
    const { url, headers, body, warnings } = protocol.request(ctx, call, stream);
    return { ctx, warnings, response: postJson(ctx, url, headers, body) };
  };
  return {
    name,
    async complete(call: ProviderCall): Promise<ProviderResult> {
      const { ctx, warnings, response } = send(call, false);
      const res = await response;
      const rateLimit = parseRateLimitHeaders(res.headers, clock.now());
      const result = protocol.fromResponse(ctx, await readJson(ctx, res), rateLimit);
      if (warnings?.length) result.warnings = [...warnings, ...(result.warnings ?? [])];
      return result;
    },
    async stream(call: ProviderCall): Promise<ProviderStream> {
      const { ctx, warnings, response } = send(call, true);
      const res = await response;
      const rateLimit = parseRateLimitHeaders(res.headers, clock.now());
      const body = await eventStreamBody(ctx, res);
      return {
        ...(rateLimit ? { rateLimit } : {}),
        ...(warnings?.length ? { warnings } : {}),
        parts: sseParts(ctx, body, protocol.decoder(ctx)),
      };
    },
  };
}

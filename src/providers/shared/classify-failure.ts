import type { ProviderErrorKind } from '../../errors/provider-error.js';
import type { RateLimitInfo } from '../../types/rate-limit.js';
import { classifyError } from './classify.js';
import { extractErrorInfo, parseBody } from './error-body.js';
import { parseRateLimitHeaders, retryAfterFromRateLimit } from './rate-limit-headers.js';

/** What the router makes of a failed provider response: the kind that decides failover, and when to retry. */
export interface ProviderFailure {
  kind: ProviderErrorKind;
  /** From `retry-after-ms` / `retry-after`, the reset of a spent window, or Google's `RetryInfo`. */
  retryAfterMs?: number;
  /** The rate-limit headers of the response, when it carried any. */
  rateLimit?: RateLimitInfo;
  /** The provider's error message, when the body had one (not redacted: do not log it blindly). */
  message?: string;
}

/**
 * Classify a failed provider response the way the bundled adapters do — for adapters written
 * outside this package (the AI SDK bridge uses it on `APICallError`s). `status` is the HTTP status
 * (`undefined` for an error inside a 200 stream), `body` the parsed body or its text, `headers` the
 * response headers, `now` the moment the response arrived (for reset timestamps).
 */
export function classifyProviderFailure(
  status: number | undefined,
  body: unknown,
  headers?: Headers | Record<string, string>,
  now: number = Date.now(),
): ProviderFailure {
  const info = extractErrorInfo(typeof body === 'string' ? parseBody(body) : body);
  const kind = classifyError(status, info);
  const rateLimit = headers ? parseRateLimitHeaders(new Headers(headers), now) : undefined;
  const retryAfterMs =
    kind === 'rate_limited'
      ? (retryAfterFromRateLimit(rateLimit) ?? info.retryAfterMs)
      : (rateLimit?.retryAfterMs ?? info.retryAfterMs);
  return {
    kind,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(rateLimit ? { rateLimit } : {}),
    ...(info.message ? { message: info.message } : {}),
  };
}

/** A response's rate-limit headers (`x-ratelimit-*`, `anthropic-ratelimit-*`, `retry-after`), relative to `now`. */
export function readRateLimitHeaders(
  headers: Headers | Record<string, string> | undefined,
  now: number = Date.now(),
): RateLimitInfo | undefined {
  return headers ? parseRateLimitHeaders(new Headers(headers), now) : undefined;
}

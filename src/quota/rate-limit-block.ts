import type { RateLimitInfo } from '../types/rate-limit.js';

/** Used when a provider says "0 remaining" without saying when it resets. */
const UNKNOWN_RESET_MS = 1_000;
/** Headers are untrusted input: a reset beyond this is treated as this. */
const MAX_BLOCK_MS = 24 * 60 * 60 * 1_000;

/**
 * How long a provider's rate-limit view makes a key unusable, in ms from the response (0: not at all).
 * Only an exhausted allowance blocks: 0 remaining requests until their reset, 0 remaining tokens until
 * theirs. A positive remaining count is left to the store's own windows, which are conservative already.
 */
export function rateLimitBlockMs(info: RateLimitInfo): number {
  let ms = 0;
  if (info.remainingRequests !== undefined && info.remainingRequests <= 0) {
    ms = Math.max(ms, sanitize(info.resetRequestsMs ?? info.retryAfterMs));
  }
  if (info.remainingTokens !== undefined && info.remainingTokens <= 0) {
    ms = Math.max(ms, sanitize(info.resetTokensMs ?? info.retryAfterMs));
  }
  return ms;
}

function sanitize(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms)) return UNKNOWN_RESET_MS;
  return Math.min(Math.max(0, Math.ceil(ms)), MAX_BLOCK_MS);
}

/**
 * What a provider said about a key's remaining capacity (from `x-ratelimit-*`,
 * `anthropic-ratelimit-*`, `retry-after`). Durations are relative to the moment the response arrived.
 */
export interface RateLimitInfo {
  limitRequests?: number;
  remainingRequests?: number;
  /** Milliseconds until the request allowance resets. */
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  /** Milliseconds until the token allowance resets. */
  resetTokensMs?: number;
  /** From `retry-after-ms` / `retry-after`. */
  retryAfterMs?: number;
}

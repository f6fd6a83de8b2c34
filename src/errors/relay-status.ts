import type { RouterErrorCode } from './codes.js';

/** The HTTP status the relay answers with, per code (before the per-error rules below). */
export const RELAY_STATUS: Readonly<Record<RouterErrorCode, number>> = {
  VALIDATION: 400,
  UNKNOWN_MODEL: 404,
  // 400, not 409: a name that stays ambiguous is not a conflict that a retry resolves (clients retry 409).
  AMBIGUOUS_MODEL: 400,
  // 400, not 422: a name with no usable candidate stays so until the catalog changes, and LangChain
  // retries 422 (it spares only 400–407, 409 and 413).
  NO_CANDIDATES: 400,
  QUOTA_EXHAUSTED: 429,
  QUEUE_TIMEOUT: 429,
  // 424 Failed Dependency: the upstreams this request depends on failed, after the router's own
  // failover and retries. Not 5xx: clients (the AI SDK, LangChain) retry 5xx and would multiply them.
  ALL_CANDIDATES_FAILED: 424,
  PROVIDER_ERROR: 502,
  STREAM_INTERRUPTED: 502,
  TIMEOUT: 504,
  ABORTED: 499,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  STORAGE_ERROR: 500,
  PROTOCOL_ERROR: 502,
  MISSING_DEPENDENCY: 500,
  CLOSED: 503,
  // 400: every candidate costs more than the request allows; a retry costs the same.
  COST_LIMIT_EXCEEDED: 400,
  // A virtual key that is missing, unknown, expired or revoked.
  UNAUTHENTICATED: 401,
  // 429 with Retry-After at the period's end, as providers answer an exhausted quota.
  BUDGET_EXCEEDED: 429,
};

/** What `relayStatus` reads of an error (structural: the error classes import this file). */
interface StatusSource {
  code: RouterErrorCode;
  kind?: string;
  attempts?: ReadonlyArray<{ errorKind?: string }> | undefined;
}

/**
 * The HTTP status the relay answers `error` with: the code's status, except a provider error that
 * the request caused (bad request, content filter, context length: 400), and `ALL_CANDIDATES_FAILED`
 * where every attempt met a rate limit (429: capacity that returns, which a retry later fixes).
 */
export function relayStatus(error: StatusSource): number {
  if (error.code === 'PROVIDER_ERROR' && typeof error.kind === 'string') {
    const kind = error.kind;
    return kind === 'context_length' || kind === 'bad_request' || kind === 'content_filter' ? 400 : 502;
  }
  if (error.code === 'ALL_CANDIDATES_FAILED') {
    const attempts = error.attempts ?? [];
    if (attempts.length > 0 && attempts.every((a) => a.errorKind === 'rate_limited')) return 429;
  }
  return RELAY_STATUS[error.code] ?? 500;
}

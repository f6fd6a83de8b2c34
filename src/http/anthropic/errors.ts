import { ProviderError, RouterError } from 'model-router';
import { describeError, retryHeaders } from '../error-info.js';
import type { JsonReply } from '../relay/types.js';

/** Anthropic's `error.type` for each status its SDK tells apart. */
const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  // The shared table's "the upstreams failed after the router's failover" (no-retry status).
  424: 'api_error',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(status: number): string {
  return TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/**
 * The status and headers are the relay's one table (`describeError`, shared with the OpenAI route,
 * retry-storm rules and `x-should-retry` included); only the envelope and type names are
 * Anthropic's. A request that failed because its upstreams were overloaded says `overloaded_error`
 * — with the table's status (424 after the router's own failover), not Anthropic's 529, which its
 * clients would retry on top of the router's retries.
 */
export function describeAnthropicError(error: unknown) {
  const info = describeError(error);
  const type = info.status >= 424 && overloaded(error) ? 'overloaded_error' : anthropicErrorType(info.status);
  return { ...info, type };
}

/** `{"type":"error","error":{"type":…,"message":…},"request_id":…}` — the body and the stream `error` event. */
export function anthropicErrorBody(info: { type: string; message: string }, requestId?: string) {
  return {
    type: 'error',
    error: { type: info.type, message: info.message },
    ...(requestId ? { request_id: requestId } : {}),
  };
}

/** Any error as Anthropic's error JSON, with its status, `retry-after` when known, and `request-id`. */
export function renderAnthropicError(error: unknown, requestId: string): JsonReply {
  const info = describeAnthropicError(error);
  return {
    kind: 'json',
    status: info.status,
    headers: {
      ...info.headers,
      ...retryHeaders(info.retryAfterMs),
      'request-id': requestId,
      'x-model-router-error-code': info.code,
    },
    body: anthropicErrorBody(info, requestId),
  };
}

function overloaded(error: unknown): boolean {
  const last =
    RouterError.isInstance(error) && error.code === 'ALL_CANDIDATES_FAILED' ? error.lastError : error;
  return ProviderError.isProviderError(last) && last.kind === 'overloaded';
}

import { describeError, errorBody, retryHeaders } from '../error-info.js';
import type { JsonReply } from '../relay/types.js';

/** Any error as OpenAI's error JSON, with its status and `Retry-After` when known. */
export function renderOpenAIError(error: unknown): JsonReply {
  const info = describeError(error);
  return {
    kind: 'json',
    status: info.status,
    headers: { ...info.headers, ...retryHeaders(info.retryAfterMs) },
    body: errorBody(info),
  };
}

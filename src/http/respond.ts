import { type ErrorInfo, describeError, errorBody, retryHeaders } from './error-info.js';

/** A JSON response; `headers` are added to `content-type`. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** Any error as OpenAI's error JSON with its status, `Retry-After` when known, and `headers`. */
export function errorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const info: ErrorInfo = describeError(error);
  return json(info.status, errorBody(info), {
    ...headers,
    ...info.headers,
    ...retryHeaders(info.retryAfterMs),
  });
}

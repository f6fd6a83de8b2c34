/**
 * An HTTP-level refusal that is not a router error (413, 415, 405, 404 route, 401): carries the
 * status and the OpenAI-style error fields directly.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { type?: string; param?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
    this.status = status;
    this.code = code;
    this.type = options.type ?? 'invalid_request_error';
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }
}

export const unauthorized = (): HttpProblem =>
  new HttpProblem(401, 'UNAUTHENTICATED', 'Missing or invalid credentials', { type: 'authentication_error' });

export const routeNotFound = (method: string, path: string): HttpProblem =>
  new HttpProblem(404, 'ROUTE_NOT_FOUND', `No route for ${method} ${path}`, { type: 'not_found_error' });

export const methodNotAllowed = (method: string, allowed: readonly string[]): HttpProblem =>
  new HttpProblem(405, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed here`, {
    headers: { allow: allowed.join(', ') },
  });

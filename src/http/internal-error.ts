import type { ServerResponse } from 'node:http';

const INTERNAL_ERROR = JSON.stringify({
  error: { message: 'Internal server error', type: 'server_error', code: 'INTERNAL', param: null },
});

/**
 * A handler failed unexpectedly: a 500 in the OpenAI error envelope if nothing was sent yet,
 * otherwise the connection is cut (a half-written reply must not look complete).
 */
export function failNodeResponse(res: ServerResponse): void {
  if (!res.headersSent) {
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
    res.end(INTERNAL_ERROR);
  } else {
    res.destroy();
  }
}

import { HttpProblem, unauthorized } from './problem.js';
import type { Authenticate } from './types.js';

/** Run `authenticate`: its actor, 401 for `null`/`undefined`, and a 500 that hides the text of a throw. */
export async function requireActor(fn: Authenticate, request: Request): Promise<unknown> {
  let actor: unknown;
  try {
    actor = await fn(request);
  } catch {
    throw new HttpProblem(500, 'AUTHENTICATION_FAILED', 'Authentication failed unexpectedly', {
      type: 'server_error',
    });
  }
  if (actor === null || actor === undefined) throw unauthorized();
  return actor;
}

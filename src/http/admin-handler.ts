import type { ModelRouter } from 'model-router';
import { ADMIN_ROUTES, matchRoute } from './admin-routes.js';
import { normalizeBasePath, routeSegments } from './path.js';
import { requireActor } from './authenticate.js';
import { methodNotAllowed, routeNotFound } from './problem.js';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './read-body.js';
import { errorResponse, json } from './respond.js';
import type { Authenticate, FetchHandler } from './types.js';

export interface AdminHandlerOptions {
  /**
   * Who is calling. Every route, reads included, needs an actor (`null`/`undefined` → 401); writes then
   * ask the router's `authorize(actor, action)` (`false` → 403, nothing changed).
   */
  authenticate: Authenticate;
  /**
   * Path prefix the handler serves under (`/admin` → `GET /admin/model-groups`).
   * @default '/'
   */
  basePath?: string;
  /**
   * Largest request body accepted, in bytes (413 above it).
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
}

/**
 * REST over `router.admin`, JSON in and out:
 * `/model-groups[/:id[/members[/:memberId]]]`, `/providers[/:id[/keys[/:keyId]]]`, `/models[/:ref]`
 * with GET (lists as `{ data: [...] }`), POST (201 + `Location`), PATCH, DELETE (204).
 * Errors are `{ error: { message, type, code, param, details? } }`: 400 `VALIDATION` with
 * `details.issues`, 401, 403 `FORBIDDEN`, 404 `NOT_FOUND`, 409 `CONFLICT`. Secrets are write-only:
 * keys come back with `secretPreview`, never `secret`.
 */
export function createAdminHandler(router: ModelRouter, options: AdminHandlerOptions): FetchHandler {
  if (typeof options?.authenticate !== 'function') {
    throw new TypeError(
      'createAdminHandler: options.authenticate is required (return an actor, or null for 401)',
    );
  }
  const basePath = normalizeBasePath(options.basePath);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new TypeError(
      `createAdminHandler: maxBodyBytes must be a positive integer (got ${String(maxBodyBytes)})`,
    );
  }

  return async (request) => {
    try {
      const method = request.method.toUpperCase();
      const path = new URL(request.url).pathname;
      const segments = routeSegments(path, basePath);
      if (!segments) throw routeNotFound(method, path);
      const matches = ADMIN_ROUTES.flatMap((route) => {
        const params = matchRoute(route.pattern, segments);
        return params ? [{ route, params }] : [];
      });
      if (matches.length === 0) throw routeNotFound(method, path);
      const hit = matches.find((m) => m.route.method === method);
      if (!hit) throw methodNotAllowed(method, [...new Set(matches.map((m) => m.route.method))]);

      const actor = await requireActor(options.authenticate, request);
      const body = hit.route.body ? await readJsonBody(request, maxBodyBytes) : undefined;
      const result = await hit.route.run({ admin: router.admin, params: hit.params, body, ctx: { actor } });

      if (hit.route.status === 204) return new Response(null, { status: 204 });
      const headers: Record<string, string> = {};
      if (hit.route.location) headers.location = `${basePath}${hit.route.location(result, hit.params)}`;
      return json(hit.route.status ?? 200, withoutSecrets(result), headers);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** Belt and braces: admin reads already replace secrets with previews; drop any `secret` field left. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    if (k !== 'secret' && k !== 'apiKey') out[k] = withoutSecrets(v);
  return out;
}

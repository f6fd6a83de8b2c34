import type { ModelRouter } from 'model-router';
import { requireActor } from '../authenticate.js';
import { methodNotAllowed, routeNotFound } from '../problem.js';
import { routeSegments } from '../path.js';
import { newRequestId } from './request-id.js';
import { withTraceContext } from './trace-context.js';
import type { ErrorRenderer, RelayCoreOptions, RelayInput, RelayReply, RelayRoute } from './types.js';

/** The relay's one core: find the route, authenticate, run it, and render any error in its format. */
export interface RelayCore {
  serve(input: RelayInput): Promise<RelayReply>;
}

export function createRelayCore(
  router: ModelRouter,
  routes: readonly RelayRoute[],
  fallbackErrors: ErrorRenderer,
  options: RelayCoreOptions,
): RelayCore {
  return {
    async serve(input) {
      const requestId = newRequestId();
      let renderError = fallbackErrors;
      let reply: RelayReply;
      try {
        const method = input.method.toUpperCase();
        const seg = routeSegments(input.pathname, options.basePath);
        if (seg?.[0] !== 'v1' || seg.length < 2) throw routeNotFound(method, input.pathname);
        const found = match(routes, seg);
        if (!found) throw routeNotFound(method, input.pathname);
        const [route, params] = found;
        renderError = route.renderError;
        if (!route.methods.includes(method)) throw methodNotAllowed(method, route.methods);
        const tenant = options.virtualKeys
          ? await router.authenticateKey(presentedKey(input.headers))
          : undefined;
        const actor = options.authenticate
          ? await requireActor(options.authenticate, input.webRequest())
          : tenant;
        const context = { router, input, requestId, actor, maxBodyBytes: options.maxBodyBytes };
        reply = await withTraceContext(input.headers, () =>
          route.handle(tenant ? { ...context, tenant } : context, params),
        );
      } catch (error) {
        reply = renderError(error, requestId);
      }
      reply.headers['x-request-id'] = requestId;
      return reply;
    },
  };
}

/** The key a client sends: OpenAI clients as `Authorization: Bearer`, Anthropic's as `x-api-key`. */
function presentedKey(headers: RelayInput['headers']): string {
  const auth = headers.get('authorization');
  if (auth && /^bearer /i.test(auth)) return auth.slice(7).trim();
  return headers.get('x-api-key')?.trim() ?? '';
}

/** The route for `seg` (the path's segments, `v1` first) and its wildcard's segments. */
function match(routes: readonly RelayRoute[], seg: readonly string[]): [RelayRoute, string[]] | undefined {
  const length = seg.length - 1; // below `v1`
  for (const route of routes) {
    const p = route.path;
    const wildcard = p[p.length - 1] === '*';
    const fixed = wildcard ? p.length - 1 : p.length;
    if (wildcard ? length < fixed : length !== fixed) continue;
    let ok = true;
    for (let i = 0; i < fixed && ok; i++) ok = p[i] === seg[i + 1];
    if (ok) return [route, wildcard ? seg.slice(fixed + 1) : []];
  }
  return undefined;
}

import { type ModelRouter, RouterError } from 'model-router';
import { requireActor } from '../authenticate.js';
import { normalizeBasePath } from '../path.js';
import { errorResponse, json } from '../respond.js';
import type { Authenticate, FetchHandler } from '../types.js';
import { Activity } from './activity.js';
import { chartAssets } from './assets.js';
import { dashboardPage } from './page.js';
import { dashboardState } from './state.js';

export interface DashboardHandlerOptions {
  /** Who may look: an actor, or `null`/`undefined` for 401. Required: the page shows your routing. */
  authenticate: Authenticate;
  /**
   * Decide whether an actor may read the dashboard (action `dashboard.read`).
   * @default every authenticated actor
   */
  authorize?: (actor: unknown, action: 'dashboard.read') => boolean | Promise<boolean>;
  /** Path prefix the page and its API are served under. @default '/' */
  basePath?: string;
  /** How often the page polls, in ms. @default 1000 */
  pollMs?: number;
  /** How many recent failovers and errors are kept. @default 100 */
  keepActivity?: number;
}

/**
 * A live dashboard of a router: `GET {basePath}/` is a self-contained page (uPlot shipped in the
 * package, no CDN) showing each group → candidates → keys with headroom bars, circuit states,
 * cooling and quarantine, the last failovers and errors, an hour of requests/tokens/cost per group and
 * provider, and `plan()` for a name typed in. Read-only: changes go through the admin API. The page's
 * data: `GET {basePath}/api/state`, `/api/activity`, `/api/series`, `/api/plan?model=`. It carries
 * ids, numbers and error codes only — never a secret, a prompt or an upstream message.
 */
export function createDashboardHandler(router: ModelRouter, options: DashboardHandlerOptions): FetchHandler {
  if (typeof options?.authenticate !== 'function') {
    throw new TypeError(
      'createDashboardHandler: options.authenticate is required (return an actor, or null for 401)',
    );
  }
  const base = normalizeBasePath(options.basePath);
  const pollMs = options.pollMs ?? 1000;
  const activity = new Activity(router, options.keepActivity ?? 100);
  let assets: { js: string; css: string } | undefined;
  const page = dashboardPage(base, pollMs);
  const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

  return async (request) => {
    try {
      const url = new URL(request.url);
      const path = url.pathname;
      if (path !== base && !path.startsWith(`${base}/`))
        return json(404, { error: { message: 'Not found' } });
      if (request.method !== 'GET') return new Response(null, { status: 405, headers: { allow: 'GET' } });
      const rest = path.slice(base.length) || '/';
      // Static assets are public code (uPlot): no need to authenticate them.
      if (rest === '/assets/uPlot.iife.min.js' || rest === '/assets/uPlot.min.css') {
        assets ??= chartAssets();
        const js = rest.endsWith('.js');
        return new Response(js ? assets.js : assets.css, {
          headers: { 'content-type': js ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8' },
        });
      }
      const actor = await requireActor(options.authenticate, request);
      if (options.authorize && !(await options.authorize(actor, 'dashboard.read'))) {
        throw new RouterError('FORBIDDEN', 'Not allowed to read the dashboard', {
          details: { action: 'dashboard.read' },
        });
      }
      switch (rest) {
        case '/':
          return new Response(page, {
            headers: {
              ...headers,
              'content-type': 'text/html; charset=utf-8',
              'content-security-policy':
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
            },
          });
        case '/api/state':
          return json(200, await dashboardState(router), headers);
        case '/api/activity':
          return json(200, activity.recent(), headers);
        case '/api/series':
          return json(200, activity.series(), headers);
        case '/api/plan': {
          const model = url.searchParams.get('model') ?? '';
          if (model === '' || model.length > 500)
            throw new RouterError('VALIDATION', 'model is required', { details: { field: 'model' } });
          return json(200, await router.plan(model), headers);
        }
        default:
          return json(404, { error: { message: 'Not found' } }, headers);
      }
    } catch (error) {
      return errorResponse(error, headers);
    }
  };
}

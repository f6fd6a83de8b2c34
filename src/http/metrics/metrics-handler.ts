import { createRequire } from 'node:module';
import { type ModelRouter, RouterError } from 'model-router';
import { requireActor } from '../authenticate.js';
import type { Authenticate, FetchHandler } from '../types.js';
import type { PromClient, PromRegistry } from './prom-types.js';
import { registerRouterMetrics } from './router-metrics.js';

export interface MetricsHandlerOptions {
  /**
   * Who may scrape: an actor, or `null`/`undefined` for 401.
   * @default open (put it behind your network's own access rules)
   */
  authenticate?: Authenticate;
  /** A `prom-client` registry to register in (to serve your own metrics beside the router's). @default a new registry */
  registry?: PromRegistry;
  /** Prefix of every metric name. @default 'model_router_' */
  prefix?: string;
}

/**
 * Prometheus metrics of a router in the text exposition format, rendered by `prom-client` (an optional
 * peer: `npm install prom-client`). Requests, attempts and their durations, time to first token,
 * tokens (input/output/cached), cost, failovers by reason, and gauges for in-flight, queued, key
 * headroom, cooling keys and circuit state. Any GET is answered; mount it at `/metrics`.
 */
export function createMetricsHandler(router: ModelRouter, options: MetricsHandlerOptions = {}): FetchHandler {
  const prom = loadPromClient();
  const registry = options.registry ?? new prom.Registry();
  registerRouterMetrics(router, prom, registry, options.prefix ?? 'model_router_');
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
    }
    if (options.authenticate) {
      try {
        await requireActor(options.authenticate, request);
      } catch {
        return new Response('unauthorized\n', { status: 401, headers: { 'content-type': 'text/plain' } });
      }
    }
    const text = await registry.metrics();
    return new Response(request.method === 'HEAD' ? null : text, {
      status: 200,
      headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
    });
  };
}

function loadPromClient(): PromClient {
  try {
    return createRequire(import.meta.url)('prom-client') as PromClient;
  } catch (cause) {
    throw new RouterError(
      'MISSING_DEPENDENCY',
      'createMetricsHandler needs prom-client: npm install prom-client',
      {
        cause,
        details: { package: 'prom-client' },
      },
    );
  }
}

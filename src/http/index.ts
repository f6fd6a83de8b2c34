// `model-router/http`: web-standard `Request → Response` handlers (Hono, Next.js, Bun, Deno) and a
// node:http / Express adapter. No framework dependency.
export { createRelayHandler } from './relay-handler.js';
export type { RelayHandler, RelayHandlerOptions } from './relay-handler.js';
export { createAdminHandler } from './admin-handler.js';
export type { AdminHandlerOptions } from './admin-handler.js';
export { toNodeListener } from './node-listener.js';
export type { NodeListener, WebHandler } from './node-listener.js';
export type { Authenticate, FetchHandler } from './types.js';
export { createMetricsHandler } from './metrics/metrics-handler.js';
export type { MetricsHandlerOptions } from './metrics/metrics-handler.js';
export { createDashboardHandler } from './dashboard/dashboard-handler.js';
export type { DashboardHandlerOptions } from './dashboard/dashboard-handler.js';

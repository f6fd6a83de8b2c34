import type { ChatRequest, EmbedRequest, ModelRouter } from 'model-router';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { countTokensRoute } from './anthropic/count-tokens-route.js';
import { messagesRoute } from './anthropic/route.js';
import type { NodeListener } from './node-listener.js';
import { chatCompletionsRoute } from './openai/chat-route.js';
import { embeddingsRoute } from './openai-embeddings/route.js';
import { responsesRoute } from './openai-responses/route.js';
import { renderOpenAIError } from './openai/errors.js';
import { modelsRoutes } from './openai/models-route.js';
import { normalizeBasePath } from './path.js';
import { DEFAULT_MAX_BODY_BYTES } from './read-body.js';
import { createRelayCore } from './relay/core.js';
import { serveNode } from './relay/node-door.js';
import { NODE_LISTENER } from './relay/node-marker.js';
import type { RelayRoute } from './relay/types.js';
import { webInput, webResponse } from './relay/web-door.js';
import type { Authenticate, FetchHandler } from './types.js';

export interface RelayHandlerOptions {
  /**
   * Decide who is calling (an API key of yours, a session). Returning `null`/`undefined` answers 401.
   * @default no authentication: every caller is served
   */
  authenticate?: Authenticate;
  /**
   * Authenticate every route with the router's virtual keys (`router.admin.createVirtualKey`), sent as
   * `Authorization: Bearer mr-…` (OpenAI clients) or `x-api-key` (Anthropic clients). Unknown, revoked
   * or expired keys get 401, a disabled tenant or a model it may not use 403, a tenant over its limits
   * 429 — each in the route's own error shape. The tenant's allowed models and limits apply to routing;
   * `transformRequest` receives the `TenantPrincipal` as `actor` (unless `authenticate` is also given,
   * which then decides the actor).
   * @default false
   */
  virtualKeys?: boolean;
  /**
   * Path prefix the handler serves under (`/llm` → `POST /llm/v1/chat/completions`).
   * @default '/'
   */
  basePath?: string;
  /**
   * Largest request body accepted, in bytes; larger bodies get 413 before anything is routed.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Adjust or refuse a request before it is routed: restrict models per tenant, tag `metadata`, force
   * `user`. Throw a `RouterError` (`FORBIDDEN` → 403, `VALIDATION` → 400) to refuse. `context.request`
   * carries the method, URL and headers (its body has been read already).
   * @default the request as the client sent it
   */
  transformRequest?: (
    request: ChatRequest,
    context: { actor: unknown; request: Request },
  ) => ChatRequest | Promise<ChatRequest>;
  /**
   * `transformRequest` for `POST /v1/embeddings` (restrict models, force `user`), with the same
   * contract. Give both when you restrict models: each route calls only its own.
   * @default the request as the client sent it
   */
  transformEmbedRequest?: (
    request: EmbedRequest,
    context: { actor: unknown; request: Request },
  ) => EmbedRequest | Promise<EmbedRequest>;
  /**
   * The `model` of a response body and its stream chunks: `'served'` — the model that answered (the
   * upstream's own name for it when it gave one, else the catalog `modelId`), as OpenAI and other
   * gateways report it; `'requested'` — the name the client asked for (a group name). Either way the
   * `x-model-router-model` header names `providerId/modelId` and `x-model-router-group` the group.
   * @default 'served'
   */
  responseModel?: 'served' | 'requested';
  /**
   * Usage the provider did not report, which the router estimated: `'omit'` leaves `usage` out (a
   * non-streamed response then carries `x-model-router-usage: estimated`); `'mark'` sends the
   * estimate with `"estimated": true` in `usage`. Reported usage is always sent as is.
   * @default 'omit'
   */
  estimatedUsage?: 'omit' | 'mark';
}

/**
 * The relay: a web-standard handler (Hono, Next.js, Bun, Deno) that also carries `node`, the same
 * relay served straight on node:http / Express `(req, res)` without web `Request`/`Response`
 * conversion (`toNodeListener(handler)` picks it up by itself).
 */
export interface RelayHandler extends FetchHandler {
  readonly node: NodeListener;
}

/**
 * An OpenAI-compatible relay over a router: `POST {basePath}/v1/chat/completions` (plain and SSE,
 * tool calls, `stream_options.include_usage`), `POST {basePath}/v1/embeddings` (float and base64),
 * `GET {basePath}/v1/models` and `GET {basePath}/v1/models/:id`.
 * Errors are OpenAI's error JSON with the matching status. The request's `signal` is passed to the
 * router, so a client that disconnects cancels the upstream call and releases everything it held.
 */
export function createRelayHandler(router: ModelRouter, options: RelayHandlerOptions = {}): RelayHandler {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new TypeError(
      `createRelayHandler: maxBodyBytes must be a positive integer (got ${String(maxBodyBytes)})`,
    );
  }
  for (const [field, allowed] of [
    ['responseModel', ['served', 'requested']],
    ['estimatedUsage', ['omit', 'mark']],
  ] as const) {
    const value = options[field];
    if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
      throw new TypeError(
        `createRelayHandler: ${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${String(value)})`,
      );
    }
  }
  if (options.virtualKeys !== undefined && typeof options.virtualKeys !== 'boolean') {
    throw new TypeError(
      `createRelayHandler: virtualKeys must be a boolean (got ${String(options.virtualKeys)})`,
    );
  }
  // One folder per wire format (src/http/<format>/); each contributes its routes here.
  const routes: RelayRoute[] = [
    chatCompletionsRoute(options.transformRequest, {
      responseModel: options.responseModel === 'requested' ? 'requested' : 'served',
      estimatedUsage: options.estimatedUsage === 'mark' ? 'mark' : 'omit',
    }),
    embeddingsRoute(options.transformEmbedRequest),
    responsesRoute(options.transformRequest),
    messagesRoute(options.transformRequest),
    countTokensRoute(options.transformRequest),
    ...modelsRoutes,
  ];
  const core = createRelayCore(router, routes, renderOpenAIError, {
    basePath: normalizeBasePath(options.basePath),
    maxBodyBytes,
    ...(options.authenticate ? { authenticate: options.authenticate } : {}),
    ...(options.virtualKeys ? { virtualKeys: true } : {}),
  });
  const node: NodeListener = (req: IncomingMessage, res: ServerResponse) => serveNode(core, req, res);
  const handler = (async (request: Request) =>
    webResponse(await core.serve(webInput(request)))) as RelayHandler;
  Object.defineProperty(handler, 'node', { value: node, enumerable: true });
  Object.defineProperty(handler, NODE_LISTENER, { value: node });
  return handler;
}

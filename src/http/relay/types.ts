import type { ModelRouter, TenantPrincipal } from 'model-router';
import type { Authenticate } from '../types.js';

/** A case-insensitive header lookup: a web `Headers`, or node's lower-cased header object behind one. */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * One incoming request as the relay core sees it, whichever front door (web `Request` or node:http)
 * it came through. Nothing here is built unless a route asks for it: the node door never makes a web
 * `Request` unless `authenticate` or `transformRequest` needs one.
 */
export interface RelayInput {
  method: string;
  pathname: string;
  headers: HeaderReader;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** The body as JSON, read under the relay's limits (413/415/400 as `HttpProblem`). */
  readJson(maxBytes: number): Promise<unknown>;
  /** The web `Request` (built on first use by the node door). */
  webRequest(): Request;
}

/** What the core answers; each front door writes it in its own way. */
export type RelayReply = JsonReply | SseReply;

export interface JsonReply {
  kind: 'json';
  status: number;
  headers: Record<string, string>;
  /** The body, which the door serializes (`JSON.stringify`) — unless `text` is given. */
  body: unknown;
  /** The body's JSON text, when the route wrote it itself (it then stands for `body`). */
  text?: string;
}

/**
 * A server-sent-events body: `next()` yields the next framed chunk (`event: …\ndata: …\n\n`) or
 * `undefined` at the end; the writer pulls one at a time, so a slow client slows the upstream read.
 * `cancel` is called when the client goes away before the end.
 */
export interface SseReply {
  kind: 'sse';
  status: number;
  headers: Record<string, string>;
  next(): Promise<string | undefined>;
  cancel(reason: unknown): void;
}

/** How one wire format answers errors (OpenAI's envelope, Anthropic's, …). */
export type ErrorRenderer = (error: unknown, requestId: string) => JsonReply;

/** What a route's handler gets. */
export interface RouteContext {
  router: ModelRouter;
  input: RelayInput;
  requestId: string;
  actor: unknown;
  /** The tenant of the virtual key that authenticated the request (`virtualKeys: true`). */
  tenant?: TenantPrincipal;
  maxBodyBytes: number;
}

/** One relay route: `POST /v1/chat/completions` and its wire format. */
export interface RelayRoute {
  /** The path below `{basePath}/v1`, as segments; a trailing `*` matches one or more segments. */
  path: readonly string[];
  methods: readonly string[];
  /** The wire format's error shape, used for every error of this route (405 and 401 included). */
  renderError: ErrorRenderer;
  handle(context: RouteContext, params: string[]): Promise<RelayReply>;
}

export interface RelayCoreOptions {
  authenticate?: Authenticate;
  /** Authenticate every route with a virtual key (`Authorization: Bearer` or `x-api-key`). */
  virtualKeys?: boolean;
  basePath: string;
  maxBodyBytes: number;
}

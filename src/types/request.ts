import type { TenantPrincipal } from '../tenants/types.js';

/**
 * A prompt-cache breakpoint (Anthropic's `cache_control`). Adapters of providers that cache prefixes
 * on their own (OpenAI) ignore it; Anthropic adapters send it where it stands.
 */
export interface CacheControl {
  type: 'ephemeral';
  /** `'5m'` (default) or `'1h'`. */
  ttl?: string;
}

export interface TextPart {
  type: 'text';
  text: string;
  cacheControl?: CacheControl;
}

/** An image: an `https:` URL or a `data:<type>;base64,…` URL. */
export interface ImagePart {
  type: 'image';
  url: string;
  mediaType?: string;
  cacheControl?: CacheControl;
}

/** A document (PDF, plain text): an `https:` URL or a `data:<type>;base64,…` URL. */
export interface FilePart {
  type: 'file';
  url: string;
  mediaType?: string;
  /** A file name or title, when the client gave one. */
  name?: string;
  cacheControl?: CacheControl;
}

/**
 * Reasoning a model produced, bound to the provider family that produced it (`'anthropic'` thinking
 * with its `signature`, redacted thinking as `data`, Gemini's thought signatures, OpenAI's encrypted
 * reasoning). Sent back on later turns only to an adapter of the same `family`; any other adapter
 * drops it and reports a `reasoning_dropped` warning on the result.
 */
export interface ReasoningPart {
  type: 'reasoning';
  /** Which provider family can read it back: `'anthropic'`, `'gemini'`, `'openai'`, … */
  family: string;
  /** The readable reasoning (summary), if any. */
  text?: string;
  /** An opaque signature over `text` that the provider checks when it is sent back. */
  signature?: string;
  /** Opaque reasoning the provider keeps encrypted (Anthropic `redacted_thinking`, OpenAI `encrypted_content`). */
  data?: string;
  /** The provider's id for the item, where it has one. */
  id?: string;
}

/** A piece of user content. */
export type ContentPart = TextPart | ImagePart | FilePart;

/** A piece of assistant content: what users send, plus reasoning from earlier turns. */
export type AssistantContentPart = ContentPart | ReasoningPart;

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as the model produced it. */
  arguments: string;
}

export type ChatMessage =
  | {
      role: 'system';
      content: string;
      /** A cache breakpoint after this system block (several system messages = several blocks). */
      cacheControl?: CacheControl;
    }
  | { role: 'user'; content: string | ContentPart[]; name?: string }
  | { role: 'assistant'; content: string | AssistantContentPart[] | null; toolCalls?: ToolCall[] }
  | {
      role: 'tool';
      content: string;
      toolCallId: string;
      /** The tool failed (Anthropic `is_error`). */
      isError?: boolean;
      cacheControl?: CacheControl;
    };

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
  /** A cache breakpoint after this tool definition. */
  cacheControl?: CacheControl;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean };
    };

/** The wire formats the relay speaks on its client side. */
export type WireFormat = 'anthropic-messages' | 'openai-chat' | 'openai-responses';

/**
 * The client's request as it came over the wire, for faithful pass-through. An adapter that speaks
 * the same `format` builds the upstream body from `body` — so fields the router does not model
 * (`thinking`, `cache_control` scopes, `service_tier`, fields added after this was written) reach the
 * upstream unchanged — replacing `model` and `stream`, and writing over `body` every typed field of
 * the request whose value differs from what `body` says (the typed fields are the truth: a
 * `transformRequest` that lowers `maxTokens` wins). `messages`, `system` and `tools` are taken from
 * `body` as they are: a front door that changes the conversation drops `wire`. Adapters of other
 * formats ignore it. The router never reads it.
 */
export interface WirePassThrough {
  format: WireFormat;
  /** The parsed JSON body, as the client sent it. Never mutated. */
  body: Readonly<Record<string, unknown>>;
  /**
   * Client headers a same-format upstream should see (`anthropic-beta`, `anthropic-version`),
   * names lower-cased. Never credentials.
   */
  headers?: Readonly<Record<string, string>>;
}

/** A request for a logical model. */
export interface ChatRequest {
  /** Group name, `providerId/modelId`, or a unique `modelId`; a function for dynamic selection. */
  model?: string | (() => string | Promise<string>);
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** Sample from the K likeliest tokens (Anthropic, Gemini; OpenAI-compatible servers that accept `top_k`). */
  topK?: number;
  stop?: string | string[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  responseFormat?: ResponseFormat;
  user?: string;
  metadata?: Record<string, string>;
  /**
   * Keeps a session's requests on the same candidate and key while that key has room, so the
   * provider's prompt cache hits (README: Prompt-cache affinity). Without it the router derives one
   * as the `affinity` option says (`user`, `metadata.user_id`, the cacheable prefix).
   */
  affinityKey?: string;
  /**
   * Most this request may cost, in USD: candidates whose worst case (the prompt estimate at the
   * model's input price plus the output reserve — `maxTokens` — at its output price) is above it, or
   * that have no prices, are skipped (`cost_ceiling`); none left → `COST_LIMIT_EXCEEDED`.
   */
  maxCostUsd?: number;
  /**
   * Keep only candidates whose group member or model carries every one of these tags
   * (`['region:eu', 'zdr']`), before the strategy runs; none left → `NO_CANDIDATES`.
   */
  tags?: string[];
  /** Passed to the adapter of the provider with that id, untouched. */
  providerOptions?: Record<string, Record<string, unknown>>;
  /** The client's original request, when a relay front door received one (see `WirePassThrough`). */
  wire?: WirePassThrough;
}

export interface RequestOptions {
  /** Aborts the request: the upstream call is cancelled, everything released, and it fails with `ABORTED`. @default none */
  signal?: AbortSignal;
  /** Becomes the `requestId` of the result, the events and every usage record. @default `req_` and a random UUID */
  requestId?: string;
  /**
   * The tenant and virtual key the request comes from (`router.authenticateKey()` returns it): its
   * allowed models, limits and budgets apply, and its usage records carry `tenantId` / `virtualKeyId`.
   * @default none (no tenant limits)
   */
  tenant?: TenantPrincipal;
}

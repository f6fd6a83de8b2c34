import type { Model, Provider } from '../catalog/types.js';
import type { RateLimitInfo } from '../types/rate-limit.js';
import type { EmbedRequest } from '../types/embed.js';
import type { ChatRequest } from '../types/request.js';
import type { AssistantOutput, FinishReason, RouterWarning, WireResponse } from '../types/result.js';
import type { AdapterStreamPart } from '../types/stream.js';

/** Token counts a provider reported; the router fills what is missing and flags estimates. */
export interface AdapterUsage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  /** Prompt tokens read from the provider's cache (included in `promptTokens`). */
  cachedPromptTokens?: number;
  /** Prompt tokens written to the provider's cache (included in `promptTokens`). */
  cacheWriteTokens?: number;
  /** Output tokens spent on reasoning (included in `completionTokens`). */
  reasoningTokens?: number;
}

/** What every call of one model with one key carries, whatever it asks. */
export interface ProviderCallBase {
  provider: Readonly<Provider>;
  model: Readonly<Model>;
  /** The key's id only: the secret is in `apiKey`, which an adapter puts in a header and nowhere else. */
  key: { id: string };
  apiKey: string;
  /** Aborted on caller abort, timeouts, and when the router gives up on this attempt. */
  signal: AbortSignal;
}

/** One chat call (`complete` / `stream`) of one model with one key. */
export interface ProviderCall extends ProviderCallBase {
  /** The caller's request, with `model` already resolved. */
  request: Readonly<ChatRequest>;
}

/** One embeddings call of one model with one key. */
export interface EmbedCall extends ProviderCallBase {
  /** The caller's request, with `model` already resolved; `input` is always an array here. */
  request: Readonly<EmbedRequest & { input: string[] }>;
}

/** An adapter's embeddings answer. */
export interface EmbedResponse {
  /**
   * One vector per input, in input order: numbers, or base64 of little-endian float32 (either is
   * fine whatever was asked; the router converts to the requested `encodingFormat`).
   */
  embeddings: Array<number[] | string>;
  /** `promptTokens` (or `totalTokens`) as the provider reported them. */
  usage?: AdapterUsage;
  rateLimit?: RateLimitInfo;
  responseModel?: string;
}

export interface ProviderResult {
  message: AssistantOutput;
  finishReason: FinishReason;
  usage?: AdapterUsage;
  rateLimit?: RateLimitInfo;
  /** The provider's response id. */
  id?: string;
  /** The model name the provider reported. */
  responseModel?: string;
  /** What the adapter left out of the request (reasoning of another family, fields its format lacks). */
  warnings?: RouterWarning[];
  raw?: unknown;
  /** `raw` tagged with its wire format, for a front door of the same format. */
  wire?: WireResponse;
}

export interface ProviderStream {
  /** From the response headers, when the provider sent any. */
  rateLimit?: RateLimitInfo;
  /** What the adapter left out of the request; the router puts them on the `start` part and the result. */
  warnings?: RouterWarning[];
  /** Content parts (`text-delta`, `tool-call-delta`, `reasoning-delta`, `wire`), then one `finish`. */
  parts: AsyncIterable<AdapterStreamPart>;
}

/**
 * The code that speaks one provider's wire protocol. Failures are thrown as `ProviderError`;
 * anything else thrown counts as kind `unknown` (retryable).
 */
export interface ProviderAdapter {
  readonly name: string;
  complete(call: ProviderCall): Promise<ProviderResult>;
  stream(call: ProviderCall): Promise<ProviderStream>;
  /**
   * Count the prompt tokens of a request the way the provider does (Anthropic's
   * `/v1/messages/count_tokens`). Optional: without it the router estimates.
   */
  countTokens?(call: ProviderCall): Promise<{ inputTokens: number }>;
  /**
   * Why this adapter cannot honour a chat request without changing what it means (a
   * `responseFormat` json_schema it cannot enforce, …), or `undefined` when it can. The router then
   * skips the candidate (`unsupported`) and answers `VALIDATION` when no candidate can.
   */
  cannotServe?(request: Readonly<ChatRequest>): string | undefined;
  /** Embeddings. An adapter without it is skipped for `router.embed()` (reason `no_embed`). */
  embed?(call: EmbedCall): Promise<EmbedResponse>;
}

import type { Model, Provider } from '../catalog/types.js';
import type { RateLimitInfo } from '../types/rate-limit.js';
import type { ChatRequest, ToolCall } from '../types/request.js';
import type { FinishReason } from '../types/result.js';
import type { AdapterStreamPart } from '../types/stream.js';

/** Token counts a provider reported; the router fills what is missing and flags estimates. */
export interface AdapterUsage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
}

/** One call of one model with one key. */
export interface ProviderCall {
  provider: Readonly<Provider>;
  model: Readonly<Model>;
  /** The key's id only: the secret is in `apiKey`, which an adapter puts in a header and nowhere else. */
  key: { id: string };
  apiKey: string;
  /** The caller's request, with `model` already resolved. */
  request: Readonly<ChatRequest>;
  /** Aborted on caller abort, timeouts, and when the router gives up on this attempt. */
  signal: AbortSignal;
}

export interface ProviderResult {
  message: { role: 'assistant'; content: string; toolCalls?: ToolCall[] };
  finishReason: FinishReason;
  usage?: AdapterUsage;
  rateLimit?: RateLimitInfo;
  /** The provider's response id. */
  id?: string;
  /** The model name the provider reported. */
  responseModel?: string;
  raw?: unknown;
}

export interface ProviderStream {
  /** From the response headers, when the provider sent any. */
  rateLimit?: RateLimitInfo;
  /** Content parts (`text-delta`, `tool-call-delta`), then one `finish`. */
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
}

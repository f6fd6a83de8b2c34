import type { RouterErrorCode } from '../errors/codes.js';
import type { ProviderErrorKind } from '../errors/provider-error.js';
import type { ReasoningPart, ToolCall, WireFormat } from './request.js';

export type UnifiedFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';

export interface FinishReason {
  unified: UnifiedFinishReason;
  /** The provider's own value (`end_turn`, `max_tokens`, …). */
  raw?: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** True when the provider reported no usage and the numbers are the router's estimate. */
  estimated: boolean;
  /** Prompt tokens read from the provider's prompt cache (part of `promptTokens`), when it reported them. */
  cachedPromptTokens?: number;
  /** Prompt tokens written to the provider's prompt cache (part of `promptTokens`), when it reported them. */
  cacheWriteTokens?: number;
  /**
   * Output tokens spent on reasoning (part of `completionTokens`), when the provider reports them
   * apart: Gemini's `thoughtsTokenCount`, OpenAI's `completion_tokens_details.reasoning_tokens`.
   * Anthropic and Bedrock report none (their output tokens include thinking): absent there.
   */
  reasoningTokens?: number;
}

/**
 * Something of the request that the serving provider could not take and that was left out rather
 * than failing the request: reasoning bound to another provider family (`reasoning_dropped`), a
 * field its format has no place for (`field_dropped`).
 */
export interface RouterWarning {
  code: 'reasoning_dropped' | 'field_dropped' | (string & {});
  message: string;
  /** The request field concerned (`messages[3].content[0]`, `top_k`), when there is one. */
  field?: string;
}

/** The upstream's answer in its own wire format, for a front door of the same format to pass on. */
export interface WireResponse {
  format: WireFormat;
  body: unknown;
}

/** What the model answered. */
export interface AssistantOutput {
  role: 'assistant';
  content: string;
  toolCalls?: ToolCall[];
  /** Reasoning the provider returned (thinking with its signature, redacted thinking), in order. */
  reasoning?: ReasoningPart[];
}

export interface AttemptSummary {
  attempt: number;
  providerId: string;
  modelId: string;
  keyId: string;
  status: 'success' | 'error' | 'aborted' | 'interrupted';
  latencyMs: number;
  errorCode?: RouterErrorCode;
  errorKind?: ProviderErrorKind;
  httpStatus?: number;
  message?: string;
}

export interface CompletionResult {
  id: string;
  requestId: string;
  model: { providerId: string; modelId: string };
  groupName?: string;
  /** The model name the provider reported (often dated, e.g. `gpt-4o-mini-2024-07-18`). */
  responseModel?: string;
  message: AssistantOutput;
  finishReason: FinishReason;
  usage: Usage;
  attempts: AttemptSummary[];
  latencyMs: number;
  /** What was left out of the request for the serving provider; absent when nothing was. */
  warnings?: RouterWarning[];
  raw?: unknown;
  /** The upstream's body tagged with its wire format (same object as `raw`), when the adapter knows it. */
  wire?: WireResponse;
}

import type { ToolCall } from './request.js';

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
}

export interface AttemptSummary {
  attempt: number;
  providerId: string;
  modelId: string;
  keyId: string;
  status: 'success' | 'error' | 'aborted' | 'interrupted';
  latencyMs: number;
  errorCode?: string;
  errorKind?: string;
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
  message: { role: 'assistant'; content: string; toolCalls?: ToolCall[] };
  finishReason: FinishReason;
  usage: Usage;
  attempts: AttemptSummary[];
  latencyMs: number;
  raw?: unknown;
}

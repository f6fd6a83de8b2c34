import type { RouterErrorCode } from '../errors/codes.js';
import type { ProviderErrorKind } from '../errors/provider-error.js';
/** One record per attempt, failures included. Never holds a secret. */
export interface UsageRecord {
  requestId: string;
  attempt: number;
  /**
   * What the request was: `'chat'` (`complete()` / `stream()`) or `'embed'` (`embed()`). The router
   * sets it on every record; optional only so that records written before it existed still type-check.
   */
  operation?: 'chat' | 'embed';
  status: 'success' | 'error' | 'aborted' | 'interrupted';
  groupName?: string;
  providerId: string;
  modelId: string;
  keyId: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Prompt tokens read from the provider's prompt cache (part of `promptTokens`), when it reported them. */
  cachedPromptTokens?: number;
  /** Prompt tokens written to the provider's prompt cache (part of `promptTokens`), when it reported them. */
  cacheWriteTokens?: number;
  estimated: boolean;
  costUsd?: number;
  latencyMs: number;
  /** Time to first content part (streams). */
  ttftMs?: number;
  errorCode?: ProviderErrorKind | RouterErrorCode;
  httpStatus?: number;
  stream: boolean;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt: number;
  /** The tenant whose virtual key made the request (see `RequestOptions.tenant`). */
  tenantId?: string;
  /** The virtual key that made the request. */
  virtualKeyId?: string;
}

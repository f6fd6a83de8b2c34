import type { CandidateEntry } from '../catalog/cache.js';
import type { ChatRequest } from '../types/request.js';
import { costUsd } from '../usage/cost.js';

/** What a request is expected to use on a candidate, before it is sent. */
export interface RequestSize {
  promptTokens: number;
  /** The request's `maxTokens`, when it sets one. */
  maxTokens: number | undefined;
  /**
   * The candidate a fresh affinity entry pins the request to (its key holds the session's prompt
   * cache), when the entry holds now and the model has a `cacheReadCostPerMTok`.
   */
  cachedOn?: CandidateEntry | undefined;
  /** Prompt tokens likely read from that cache (see `cachedPrefixTokens`), on `cachedOn` only. */
  cachedTokens?: number | undefined;
}

/** The output reserve on a candidate: the request's `maxTokens`, else the model's, else the default. */
export function outputReserve(c: CandidateEntry, size: RequestSize, defaultMax: number): number {
  return size.maxTokens ?? c.model.maxOutputTokens ?? defaultMax;
}

/**
 * The request's expected cost on a candidate: the prompt estimate at the input price — the part
 * likely in the session's prompt cache at the cache-read price, on the candidate affinity pins it to
 * (`size.cachedOn`) — and the whole output reserve at the output price; undefined when the model has
 * no prices.
 */
export function expectedCostUsd(
  c: CandidateEntry,
  size: RequestSize,
  defaultMax: number,
): number | undefined {
  return costUsd(c.model, {
    promptTokens: size.promptTokens,
    completionTokens: outputReserve(c, size, defaultMax),
    cachedPromptTokens: c === size.cachedOn ? size.cachedTokens : undefined,
  });
}

/**
 * The prompt tokens of a request likely in its session's prompt cache: the estimate of the prompt
 * its previous turn sent — system, tools and every message before the last assistant message (the
 * previous turn's answer, which that turn did not send), or before the last message when there is
 * no assistant message — at most the whole prompt's estimate. Providers cache the prefix of a prompt
 * they saw; what came after it (the answer, the new messages) is read at the full price.
 */
export function cachedPrefixTokens(
  estimate: (request: ChatRequest) => number,
  request: ChatRequest,
  promptTokens: number,
): number {
  const messages = request.messages;
  let end = messages.length - 1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'assistant') {
      end = i;
      break;
    }
  }
  if (end < 0) return 0;
  const prefix = Math.max(0, Math.ceil(estimate({ ...request, messages: messages.slice(0, end) })) || 0);
  return Math.min(prefix, promptTokens);
}

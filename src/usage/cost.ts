import type { Model } from '../catalog/types.js';
import type { Usage } from '../types/result.js';

/**
 * USD cost from the model's per-million-token prices; undefined when the catalog has no prices.
 * Prompt tokens read from or written to the provider's prompt cache (parts of `promptTokens`) are
 * billed at `cacheReadCostPerMTok` / `cacheWriteCostPerMTok` where the model has them, the rest at
 * `inputCostPerMTok`.
 */
export function costUsd(
  model: Model,
  usage: Pick<Usage, 'promptTokens' | 'completionTokens' | 'cachedPromptTokens' | 'cacheWriteTokens'>,
): number | undefined {
  const input = model.inputCostPerMTok;
  if (input === undefined && model.outputCostPerMTok === undefined) return undefined;
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens);
  const written = Math.min(usage.cacheWriteTokens ?? 0, usage.promptTokens - cached);
  const plain = usage.promptTokens - cached - written;
  const prompt =
    (input ?? 0) * plain +
    (model.cacheReadCostPerMTok ?? input ?? 0) * cached +
    (model.cacheWriteCostPerMTok ?? input ?? 0) * written;
  return (prompt + (model.outputCostPerMTok ?? 0) * usage.completionTokens) / 1e6;
}

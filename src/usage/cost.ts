import type { Model } from '../catalog/types.js';

/** USD cost from the model's per-million-token prices; undefined when the catalog has no prices. */
export function costUsd(model: Model, promptTokens: number, completionTokens: number): number | undefined {
  if (model.inputCostPerMTok === undefined && model.outputCostPerMTok === undefined) return undefined;
  return (
    ((model.inputCostPerMTok ?? 0) * promptTokens + (model.outputCostPerMTok ?? 0) * completionTokens) / 1e6
  );
}

import type { CandidateEntry } from '../catalog/cache.js';
import { costUsd } from '../usage/cost.js';

/** What a request is expected to use on a candidate, before it is sent. */
export interface RequestSize {
  promptTokens: number;
  /** The request's `maxTokens`, when it sets one. */
  maxTokens: number | undefined;
}

/** The output reserve on a candidate: the request's `maxTokens`, else the model's, else the default. */
export function outputReserve(c: CandidateEntry, size: RequestSize, defaultMax: number): number {
  return size.maxTokens ?? c.model.maxOutputTokens ?? defaultMax;
}

/**
 * The request's worst-case cost on a candidate (prompt estimate at the input price, the whole output
 * reserve at the output price); undefined when the model has no prices.
 */
export function expectedCostUsd(
  c: CandidateEntry,
  size: RequestSize,
  defaultMax: number,
): number | undefined {
  return costUsd(c.model, {
    promptTokens: size.promptTokens,
    completionTokens: outputReserve(c, size, defaultMax),
  });
}

import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';

/**
 * Shortest expected time to the whole answer first: the EWMA of time to first token (of latency,
 * before any stream was measured) plus the request's output reserve at the EWMA output speed.
 * Candidates never measured go first, so that each gets a sample; then priority and catalog order.
 */
export const fastest: Strategy = (candidates, context) => {
  const scored = candidates.map((c) => {
    const s = context.latency(c);
    const first = s.ttftMs ?? s.latencyMs;
    if (first === undefined) return { c, t: -1 };
    const tps = s.outputTokensPerSecond;
    const output = context.expectedOutputTokens?.(c) ?? 0;
    // Without a measured speed, whole-attempt latency already holds the output time.
    const t = tps && tps > 0 ? first + (output * 1000) / tps : (s.latencyMs ?? first);
    return { c, t };
  });
  scored.sort((a, b) => a.t - b.t || byPriorityThenIndex(a.c, b.c));
  return scored.map((s) => s.c);
};

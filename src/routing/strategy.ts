/** What a strategy sees of one candidate. */
export interface StrategyCandidate {
  readonly providerId: string;
  readonly modelId: string;
  /** Lower is preferred. */
  readonly priority: number;
  /** Relative weight for `weighted`. */
  readonly weight: number;
  /** Position in the group's member list (catalog order), for stable tie-breaking. */
  readonly index: number;
}

export interface LatencyStats {
  /** Exponentially weighted moving average of attempt latency, in ms; undefined before the first sample. */
  latencyMs: number | undefined;
  /** The same for time to first content part (streams). */
  ttftMs: number | undefined;
  /** EWMA of output tokens per second after the first token (the whole attempt when not streamed). */
  outputTokensPerSecond?: number | undefined;
  samples: number;
}

/** What a strategy may ask about the world. Lazy, so that strategies pay only for what they read. */
export interface StrategyContext {
  readonly now: number;
  /** Uniform in [0, 1); injectable for tests. */
  readonly random: () => number;
  /** Group name, when the request named a group. */
  readonly groupName: string | undefined;
  /**
   * True when `router.plan()` asks for the order without a request following: a strategy with state
   * (like `round_robin`) must not advance it.
   */
  readonly dryRun?: boolean;
  /** The candidate's key pool's remaining fraction in [0, 1] (README: Strategies); 0 = nothing usable. */
  headroom(candidate: StrategyCandidate): number;
  /** Attempts of this candidate currently in flight in this router. */
  inFlight(candidate: StrategyCandidate): number;
  latency(candidate: StrategyCandidate): LatencyStats;
  /**
   * The request's expected cost on this candidate, in USD: its prompt estimate at the model's input
   * price and its output reserve (`maxTokens`, else the model's `maxOutputTokens`, else
   * `defaultMaxOutputTokens`) at the output price; on the candidate a fresh affinity entry pins the
   * session to, the prompt its previous turn sent at `cacheReadCostPerMTok` (README: prompt-cache
   * affinity). Undefined when the model has no prices. In
   * `plan()` without a request: an empty prompt and the default output reserve.
   */
  expectedCostUsd?(candidate: StrategyCandidate): number | undefined;
  /** Output tokens the request expects (its output reserve on this candidate). */
  expectedOutputTokens?(candidate: StrategyCandidate): number;
}

/**
 * Orders candidates: a pure function of its inputs. It may drop candidates (they are then not tried);
 * it must not invent new ones. The router skips candidates with no usable key whatever the order.
 */
export type Strategy = (
  candidates: readonly StrategyCandidate[],
  context: StrategyContext,
) => StrategyCandidate[];

import type { Clock } from '../../util/clock.js';
import type { AdapterLimits } from '../shared/limits.js';

/** Options of `openaiResponses()`. */
export interface OpenAIResponsesOptions {
  /**
   * The API root, without `/responses`. A catalog provider's `baseUrl`, when set, wins.
   * @default 'https://api.openai.com/v1'
   */
  baseURL?: string;
  /** Extra headers on every request (`OpenAI-Organization`, …). `Authorization` is the call's key. @default none */
  headers?: Record<string, string>;
  /**
   * The fetch to use. Read at call time, so interceptors installed later see every call.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
  /** Size caps on lines, events and bodies (see `AdapterLimits`). @default { maxLineBytes: 1_048_576, maxEventBytes: 1_048_576, maxBodyBytes: 16_777_216 } */
  limits?: AdapterLimits;
  /** Time source for turning rate-limit reset durations into moments. @default systemClock */
  clock?: Clock;
}

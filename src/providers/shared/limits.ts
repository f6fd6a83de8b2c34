import { invalid } from '../../errors/validation.js';

/**
 * Size caps that keep an adapter's memory bounded whatever an upstream sends. Exceeding one ends
 * the call with a `ProviderError` of kind `protocol`.
 */
export interface AdapterLimits {
  /**
   * Longest line of a server-sent event stream, in bytes.
   * @default 1_048_576 (1 MiB)
   */
  maxLineBytes?: number;
  /**
   * Largest server-sent event (all its `data:` lines together, plus any unfinished line), in
   * UTF-16 code units of decoded text — never more than the bytes it came in.
   * @default 1_048_576 (1 MiB)
   */
  maxEventBytes?: number;
  /**
   * Largest non-streamed response body, in bytes.
   * @default 16_777_216 (16 MiB)
   */
  maxBodyBytes?: number;
}

export type ResolvedLimits = { readonly [K in keyof AdapterLimits]-?: number };

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxLineBytes: 1_048_576,
  maxEventBytes: 1_048_576,
  maxBodyBytes: 16_777_216,
};

/**
 * Error bodies are only read for a message and a kind, so they get a small cap of their own: a
 * hostile 500 with a gigabyte body must not cost a gigabyte. Longer bodies are truncated, not refused.
 */
export const ERROR_BODY_BYTES = 65_536;

/** Fill defaults once, at the factory; a bad value throws `VALIDATION` naming the option. */
export function resolveLimits(prefix: string, limits: AdapterLimits | undefined): ResolvedLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof AdapterLimits)[]) {
    const value = limits?.[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw invalid(`${prefix}.limits.${key}`, `expected a positive integer, got ${String(value)}`);
    }
    out[key] = value;
  }
  return out;
}

import type { Clock } from '../util/clock.js';

/** A clock that moves only when told to: for tests of windows, cooldowns and timeouts. */
export interface ManualClock extends Clock {
  /** Move time forward by `ms` (never backward: windows assume monotonic time). */
  advance(ms: number): void;
  /** Jump to an absolute epoch ms, not earlier than now. */
  set(epochMs: number): void;
}

/**
 * Create a manual clock.
 * @param start epoch ms to start at. @default 1_700_000_000_000 (a fixed, realistic epoch)
 */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      if (!(ms >= 0)) throw new Error(`manualClock.advance: ms must be ≥ 0, got ${ms}`);
      current += ms;
    },
    set(epochMs) {
      if (!(epochMs >= current)) throw new Error(`manualClock.set: ${epochMs} is before now (${current})`);
      current = epochMs;
    },
  };
}

/** Time source. Inject one in tests; defaults to `Date.now`. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** What every benchmark returns: figures (median of several runs, with their spread) or a skip line. */

export interface Target {
  /** `<=`: the figure must be at most `value`; `>=`: at least. */
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  bench: string;
  name: string;
  unit: string;
  /** Median of `samples` (one sample per run/round). */
  median: number;
  min: number;
  max: number;
  /** (max − min) / |median|, in percent: the noise of this machine for this figure. */
  spreadPct: number;
  samples: number[];
  target?: Target;
  note?: string;
}

export interface Skipped {
  bench: string;
  name: string;
  skipped: string;
}

export type Result = Figure | Skipped;

export interface BenchOptions {
  /** A tiny size, for `npm test` and smoke runs: well-formed results, meaningless numbers. */
  quick: boolean;
}

export type BenchFn = (options: BenchOptions) => Promise<Result[]>;

export function isSkipped(r: Result): r is Skipped {
  return 'skipped' in r;
}

/** Median of a list of numbers (the list is not modified). */
export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile of a list of numbers (the list is not modified). */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** One figure from its per-run samples. */
export function figure(
  bench: string,
  name: string,
  unit: string,
  samples: readonly number[],
  extra: { target?: Target; note?: string } = {},
): Figure {
  const med = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  const spreadPct = med === 0 ? 0 : ((max - min) / Math.abs(med)) * 100;
  return { bench, name, unit, median: med, min, max, spreadPct, samples: [...samples], ...extra };
}

export function met(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  return f.target.op === '<=' ? f.median <= f.target.value : f.median >= f.target.value;
}

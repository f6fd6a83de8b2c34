import { describe, expect, it } from 'vitest';
import { BENCHMARKS, OPT_IN } from '../../bench/benchmarks.js';
import { type Result, isSkipped } from '../../bench/lib/result.js';

/**
 * Benchmarks are not tests: nothing here asserts a timing. Each one runs once at its tiny size
 * (`quick`) so that it cannot rot, and must return well-formed results.
 */
describe('bench (quick: well-formed results, no timing assertions)', () => {
  for (const [name, bench] of Object.entries({ ...BENCHMARKS, ...OPT_IN })) {
    it(`${name} runs and returns well-formed results`, async () => {
      const results = await bench({ quick: true });
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) checkResult(name, r);
    }, 60_000);
  }
});

function checkResult(bench: string, r: Result): void {
  expect(r.bench).toBe(bench);
  expect(typeof r.name).toBe('string');
  expect(r.name.length).toBeGreaterThan(0);
  if (isSkipped(r)) {
    expect(r.skipped.length).toBeGreaterThan(0);
    return;
  }
  expect(typeof r.unit).toBe('string');
  expect(r.samples.length).toBeGreaterThan(0);
  for (const v of [r.median, r.min, r.max, r.spreadPct, ...r.samples]) expect(Number.isFinite(v)).toBe(true);
  expect(r.min).toBeLessThanOrEqual(r.median);
  expect(r.median).toBeLessThanOrEqual(r.max);
  expect(r.spreadPct).toBeGreaterThanOrEqual(0);
  if (r.target) {
    expect(['<=', '>=']).toContain(r.target.op);
    expect(Number.isFinite(r.target.value)).toBe(true);
  }
}

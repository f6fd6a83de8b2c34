import { describe, expect, it } from 'vitest';
import type { CircuitBreakerOptions } from '../../src/index.js';
import type { MockStep } from '../../src/testing/mock-provider.js';
import { hi, setup, twoProviderCatalog } from './helpers.js';

/** A small seeded PRNG: the jitter of the probes, reproducible. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  /** From the provider's recovery to the first request it served, in ms. */
  timeToReturn: number;
  /** Calls that reached the primary while it was down. */
  callsDuringOutage: number;
}

const OUTAGE_START = 20_000;

/**
 * Group [a, b] in priority order; a answers 500 during [OUTAGE_START, OUTAGE_START + outageMs),
 * b always answers. One request every `periodMs` (first at `phaseMs`) on an injected clock.
 */
async function simulate(
  outageMs: number,
  periodMs: number,
  phaseMs: number,
  random: () => number,
  circuitBreaker?: CircuitBreakerOptions,
): Promise<Run> {
  let down = false;
  let callsDuringOutage = 0;
  const { router, clock } = setup({
    catalog: twoProviderCatalog({ strategy: 'priority' }),
    a: {
      respond: (): MockStep | undefined => {
        if (!down) return undefined;
        callsDuringOutage++;
        return { error: { status: 500 } };
      },
    },
    router: { random, ...(circuitBreaker ? { circuitBreaker } : {}) },
  });
  const base = clock.now();
  const recovery = OUTAGE_START + outageMs;
  for (let t = phaseMs; t < recovery + 600_000; t += periodMs) {
    clock.set(base + t);
    down = t >= OUTAGE_START && t < recovery;
    const res = await router.complete({ model: 'coding', messages: hi });
    if (t >= recovery && res.model.providerId === 'a') {
      await router.close();
      return { timeToReturn: t - recovery, callsDuringOutage };
    }
  }
  throw new Error(`primary never came back (outage ${outageMs} ms, period ${periodMs} ms)`);
}

const OUTAGES = [1_500, 6_000, 15_000, 40_000, 95_000, 300_000];
const PERIODS = [100, 1_000, 4_000, 9_000];
const SEEDS = [1, 2, 3];

async function worst(circuitBreaker?: CircuitBreakerOptions, fixedRandom?: () => number) {
  const byPeriod = new Map<number, { ttr: number; excess: number; calls: number }>();
  for (const periodMs of PERIODS) {
    const w = { ttr: 0, excess: 0, calls: 0 };
    for (const outageMs of OUTAGES) {
      for (const seed of fixedRandom ? [0] : SEEDS) {
        for (const phaseMs of [0, periodMs / 3, (2 * periodMs) / 3]) {
          const random = fixedRandom ?? mulberry32(seed);
          const run = await simulate(outageMs, periodMs, Math.round(phaseMs), random, circuitBreaker);
          w.ttr = Math.max(w.ttr, run.timeToReturn);
          // The part of the wait the router adds beyond the gap to the next request.
          w.excess = Math.max(w.excess, run.timeToReturn - periodMs);
          // Probes per second of outage, beyond the failures that opened the circuit.
          w.calls = Math.max(w.calls, (run.callsDuringOutage - 5) / (outageMs / 1_000));
        }
      }
    }
    byPeriod.set(periodMs, w);
  }
  return byPeriod;
}

function report(what: string, byPeriod: Map<number, { ttr: number; excess: number; calls: number }>) {
  const lines = [...byPeriod].map(
    ([p, w]) =>
      `request every ${p} ms: worst time-to-return ${w.ttr} ms (router's share ${Math.max(0, w.excess)} ms), ` +
      `≤ ${w.calls.toFixed(2)} probes/s during the outage`,
  );
  console.log(`recovery, ${what}; outages ${OUTAGES.join(', ')} ms:\n  ${lines.join('\n  ')}`);
}

describe('a recovered provider gets traffic back within a bounded time (simulation, injected clock)', () => {
  it('defaults: within probeIntervalMs (5 s) plus the gap to the next request, for any outage', async () => {
    const byPeriod = await worst();
    report('defaults (probeIntervalMs 5000, jittered)', byPeriod);
    for (const [periodMs, w] of byPeriod) {
      expect(w.ttr, `period ${periodMs}`).toBeLessThanOrEqual(5_000 + periodMs);
      expect(w.excess, `period ${periodMs}`).toBeLessThanOrEqual(5_000);
      // Not hammered: at most one probe per half interval (the jitter's floor), whatever the rate.
      expect(w.calls, `period ${periodMs}`).toBeLessThanOrEqual(1 / 2.5 + 0.2);
    }
    // The bound the README documents: 10 s with a request at least every 5 s.
    expect(byPeriod.get(4_000)!.ttr).toBeLessThanOrEqual(10_000);
  }, 120_000);

  it('for comparison, the former behaviour (a probe every openMs = 30 s, no jitter) took up to 30 s more', async () => {
    const byPeriod = await worst({ probeIntervalMs: 30_000 }, () => 0);
    report('former (openMs 30000)', byPeriod);
    expect(Math.max(...[...byPeriod.values()].map((w) => w.ttr))).toBeGreaterThan(20_000);
  }, 120_000);
});

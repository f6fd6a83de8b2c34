import { describe, expect, it } from 'vitest';
import { type BatchSummary, type SoakOptions, type SoakReport, runSoak } from '../../soak/engine.js';

/*
 * The short chaos soak over what the plain one never drives: the HTTP relay (`createRelayHandler` on
 * node:http through `toNodeListener`, fetch callers in OpenAI's format, plain and SSE, some leaving
 * mid-stream) and the Redis quota store (`redisQuota`, a prefix of the run's own, deleted at the end).
 * Every invariant of the soak holds at every checkpoint, plus the relay's (well-formed responses that
 * say what the router did, no open response or socket left) and Redis's (no lease left in Redis nor in
 * the store's view). No timing assertions: real short timers only decide which faults a request meets.
 */

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) {
  console.warn(
    '\n*** SKIPPED: the chaos soak over the Redis quota store (test/reliability/soak-redis-http.test.ts) — REDIS_URL is not set. Set REDIS_URL=redis://127.0.0.1:6379 to run it. ***\n',
  );
}

async function soak(options: Partial<SoakOptions>): Promise<{ report: SoakReport; batches: BatchSummary[] }> {
  const batches: BatchSummary[] = [];
  const report = await runSoak({
    requests: 400,
    seed: 0x5eed2,
    concurrency: 32,
    batchSize: 50,
    // An upper bound: fetch's pool closes its idle sockets after 4 s, and the run goes on at once then.
    socketDrainMs: 10_000,
    onBatch: (b) => void batches.push(b),
    ...options,
  });
  return { report, batches };
}

function expectClean({ report, batches }: { report: SoakReport; batches: BatchSummary[] }): void {
  expect(batches.map((b) => b.index)).toEqual([...Array(8).keys()]);
  for (const b of batches) expect(b.violations, `checkpoint ${b.index}`).toEqual([]);
  expect(report.violations).toEqual([]);
  for (const i of report.invariants) expect(i.ok, `${i.name}: ${i.detail}`).toBe(true);
  expect(report.attempts).toBeGreaterThan(report.requests * 0.8);
  expect(report.leases?.acquired).toBe(report.attempts + report.leasesReturnedUnused);
}

function expectRelayExercised(report: SoakReport): void {
  const relay = report.relay!;
  expect(report.invariants.map((i) => i.name)).toContain(
    'HTTP relay: every response well-formed and true to the router; no open response or socket left',
  );
  expect(relay.requests).toBeGreaterThan(report.requests * 0.1);
  expect(relay.routed).toBeGreaterThan(0);
  // Completions, streams read to [DONE], and streams cut by their caller all happened.
  expect(relay.endings).toMatchObject({
    completion: expect.any(Number),
    done: expect.any(Number),
    'cut (aborted)': expect.any(Number),
  });
  expect(Object.keys(relay.actions).sort()).toEqual([
    'complete:abort_after',
    'complete:read_all',
    'stream:abort_after',
    'stream:abort_first_content',
    'stream:read_all',
  ]);
}

describe('chaos soak through the HTTP relay (short)', () => {
  it('400 seeded requests, 30 % of them OpenAI-format over node:http: every invariant holds', async () => {
    const run = await soak({ relayShare: 0.3 });
    expectClean(run);
    expect(run.report.quota).toBe('memory');
    expectRelayExercised(run.report);
  }, 20_000);
});

describe.skipIf(!REDIS_URL)('chaos soak over the Redis quota store (short)', () => {
  it('400 seeded requests, 20 % through the relay: nothing left in flight in Redis, keys deleted', async () => {
    const run = await soak({ quota: 'redis', redisUrl: REDIS_URL!, relayShare: 0.2, seed: 0x5eed3 });
    expectClean(run);
    const { report } = run;
    expect(report.quota).toBe('redis');
    expect(report.invariants.map((i) => i.name).some((n) => n.startsWith('Redis quota store'))).toBe(true);
    expect(report.redisKeys?.deleted).toBeGreaterThan(0);
    expect(report.redisKeys?.left).toBe(0);
    expectRelayExercised(report);
  }, 20_000);
});

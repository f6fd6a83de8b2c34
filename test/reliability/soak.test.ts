import { describe, expect, it } from 'vitest';
import { type BatchSummary, runSoak } from '../../soak/engine.js';

/*
 * The short chaos soak: the engine of `npm run soak` at 600 requests, with a checkpoint every 50
 * (quiescence, then every invariant: nothing held, leases balanced, usage records = provider calls,
 * tokens, exactly-once endings, stream content, abort listeners, catalog restored after the admin
 * writes made during the batch). Real but short timers; no timing assertions — time only decides
 * which faults a request runs into.
 */
describe('chaos soak (short)', () => {
  it('600 seeded requests over 3 providers × 4 keys: every invariant holds at every checkpoint', async () => {
    const batches: BatchSummary[] = [];
    const report = await runSoak({
      requests: 600,
      seed: 0x5eed,
      concurrency: 32,
      batchSize: 50,
      // An upper bound: fetch's pool closes its idle sockets after 4 s, and the run goes on at once then.
      socketDrainMs: 10_000,
      onBatch: (b) => void batches.push(b),
    });
    expect(batches.map((b) => b.index)).toEqual([...Array(12).keys()]);
    for (const b of batches) expect(b.violations, `checkpoint ${b.index}`).toEqual([]);
    expect(report.violations).toEqual([]);
    for (const i of report.invariants) expect(i.ok, `${i.name}: ${i.detail}`).toBe(true);

    // The run did exercise what it claims to.
    expect(report.attempts).toBeGreaterThan(report.requests * 0.8);
    expect(report.requestsWithFailover).toBeGreaterThan(0);
    expect(report.serverHits).toBeGreaterThan(0);
    expect(Object.keys(report.behaviours).sort()).toEqual([
      'abandon',
      'abort_after',
      'abort_mid_stream',
      'break_after',
      'cancel_after_first',
      'normal',
      'pre_aborted',
      'read_all',
      'slow_reader',
      'throw_in_loop',
    ]);
    expect(report.tallies.statuses).toMatchObject({
      success: expect.any(Number),
      error: expect.any(Number),
      aborted: expect.any(Number),
      interrupted: expect.any(Number),
    });
    expect(report.injected.hookFailures + report.injected.listenerFailures).toBeGreaterThan(0);
  }, 60_000);
});

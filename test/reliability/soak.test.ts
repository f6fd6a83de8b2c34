import { describe, expect, it } from 'vitest';
import { type BatchSummary, runSoak } from '../../soak/engine.js';
import { KEY_ECHOES } from '../../soak/faults.js';
import { mangledEcho } from '../../soak/http-mock.js';
import { CanaryScanner } from '../../soak/probes.js';

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
    // A tenth of the requests are embed() calls, under the same faults and the same invariants.
    const embeds = Object.values(report.embeds).reduce((n, v) => n + v, 0);
    expect(embeds).toBeGreaterThan(report.requests * 0.05);
    expect(report.embeds.ok).toBeGreaterThan(0);
  }, 60_000);

  it('the hostile upstreams of #11 (huge tool-call index, endless stream and body, big parts, mangled key echoes) under load: every invariant holds', async () => {
    const batches: BatchSummary[] = [];
    const report = await runSoak({
      requests: 240,
      seed: 0x5eed4,
      concurrency: 32,
      batchSize: 40,
      socketDrainMs: 10_000,
      // Met often: each of these is 1–2 % of the wire attempts in the full soak, here about 10–20 %.
      wireFaults: { huge_tool_index: 30, endless: 25, big_parts: 25, echo_mangled_key: 30, endless_body: 30 },
      // Deadlines long enough that a wire attempt reaches its fault on a loaded machine (at 250 ms
      // most of them would end as timeouts before the server answered, and cover nothing).
      timeouts: { attemptMs: 2_000, firstChunkMs: 2_000, idleMs: 500, totalMs: 4_000, queueWaitMs: 25 },
      onBatch: (b) => void batches.push(b),
    });
    for (const b of batches) expect(b.violations, `checkpoint ${b.index}`).toEqual([]);
    expect(report.violations).toEqual([]);
    for (const i of report.invariants) expect(i.ok, `${i.name}: ${i.detail}`).toBe(true);

    // Each mode was served, and ended the way the router's limits make it end.
    const endings = report.tallies.wireEndings;
    const count = (prefix: string) =>
      Object.entries(endings)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((n, [, v]) => n + v, 0);
    for (const fault of ['huge_tool_index', 'endless', 'big_parts', 'echo_mangled_key', 'endless_body'])
      expect(
        report.tallies.faults[fault] ?? 0,
        `${fault} in ${JSON.stringify(report.tallies.faults)}`,
      ).toBeGreaterThan(0);
    // A tool-call index of 2³²−2: a protocol error (failover before the commit, interruption after).
    expect(
      count('huge_tool_index → error:protocol') + count('huge_tool_index → interrupted:protocol'),
    ).toBeGreaterThan(0);
    // An endless stream ends at limits.maxOutputChars, an endless body at the adapter's maxBodyBytes.
    expect(count('endless → interrupted:protocol')).toBeGreaterThan(0);
    expect(count('endless_body → error:protocol')).toBeGreaterThan(0);
    expect(count('big_parts → success')).toBeGreaterThan(0);
    expect(count('echo_mangled_key → error:server')).toBeGreaterThan(0);
    // No other ending for them than these, an abort, or a deadline.
    for (const k of Object.keys(endings)) {
      if (!/^(huge_tool_index|endless|endless_body|big_parts|echo_mangled_key) /.test(k)) continue;
      expect(k).toMatch(
        /→ (error:protocol|interrupted:protocol|success|error:server|aborted:ABORTED|error:timeout|interrupted:TIMEOUT|interrupted:timeout)$/,
      );
    }
  }, 90_000);

  it("the soak's canary check sees every mangled echo of the key the hostile upstream sends", () => {
    const secret = 'canary-secret-7f3a';
    for (const echo of KEY_ECHOES) {
      const { body, headers } = mangledEcho(echo, secret);
      const scanner = new CanaryScanner(secret);
      const error = Object.assign(new Error('upstream failed'), {});
      Object.defineProperty(error, 'body', { value: JSON.parse(body), enumerable: false });
      Object.defineProperty(error, 'headers', { value: new Headers(headers), enumerable: false });
      scanner.scan('error', error);
      expect(scanner.found, echo).toHaveLength(1);
      // And nothing when the upstream echoes nothing.
      const clean = new CanaryScanner(secret);
      clean.scan('error', new Error('upstream failed for key [redacted]'));
      expect(clean.found).toEqual([]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { type BatchSummary, runSoak } from '../../soak/engine.js';
import { WIRE_FORMATS } from '../../soak/wire-formats.js';

/*
 * The chaos soak once per wire format (`npm run soak -- --wire …`), quick size: the loopback
 * provider writes every fault — errors, whole replies, SSE or Bedrock's binary event stream, a
 * tool-call or content-block index of 2³²−2 (Gemini: 200 calls), malformed and oversized frames,
 * endless bodies and streams — in that format, and the router calls it through that format's
 * adapter. The wire faults are weighted up so that a short run meets each of them. Every invariant
 * holds at every checkpoint. No timing assertion: time only decides which faults a request meets.
 */
describe.each(WIRE_FORMATS)('chaos soak through the %s wire format (quick)', (wire) => {
  it('every invariant holds, and each hostile wire fault ends as the limits make it end', async () => {
    const batches: BatchSummary[] = [];
    const report = await runSoak({
      requests: 160,
      seed: 0x3a9e + WIRE_FORMATS.indexOf(wire),
      concurrency: 24,
      batchSize: 40,
      socketDrainMs: 10_000,
      wire,
      wireFaults: {
        huge_tool_index: 80,
        malformed: 20,
        huge_line: 20,
        endless: 15,
        endless_body: 15,
        mid_error: 15,
        ok: 40,
      },
      timeouts: { attemptMs: 2_000, firstChunkMs: 2_000, idleMs: 500, totalMs: 4_000, queueWaitMs: 25 },
      onBatch: (b) => void batches.push(b),
    });
    expect(batches).toHaveLength(4);
    for (const b of batches) expect(b.violations, `checkpoint ${b.index}`).toEqual([]);
    expect(report.violations).toEqual([]);
    for (const i of report.invariants) expect(i.ok, `${i.name}: ${i.detail}`).toBe(true);
    expect(report.serverHits).toBeGreaterThan(0);

    const endings = report.tallies.wireEndings;
    const count = (prefix: string) =>
      Object.entries(endings)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((n, [, v]) => n + v, 0);
    // The index of 2³²−2 (Gemini: more calls than limits.maxToolCalls) is a protocol error in every
    // format: a failover before the commit, an interruption after — never a success.
    expect(
      count('huge_tool_index → error:protocol') + count('huge_tool_index → interrupted:protocol'),
      JSON.stringify(endings),
    ).toBeGreaterThan(0);
    expect(count('huge_tool_index → success')).toBe(0);
    expect(count('ok → success')).toBeGreaterThan(0);
    for (const k of Object.keys(endings)) {
      if (!/^(huge_tool_index|malformed|huge_line|endless|endless_body) /.test(k)) continue;
      expect(k).toMatch(
        /→ (error:protocol|interrupted:protocol|aborted:ABORTED|error:timeout|interrupted:TIMEOUT|interrupted:timeout)$/,
      );
    }
  }, 60_000);
});

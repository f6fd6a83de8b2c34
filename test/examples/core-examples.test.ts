import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PlannedCandidate, RouterEvents, UsageRecord } from 'model-router';
import { manualClock } from 'model-router/testing';
import { describe, expect, it } from 'vitest';
import { narrate } from '../../examples/failover/narrate.js';
import { catalog, exampleRouter } from '../../examples/failover/router.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** What `npm run example` / `npm run example:custom-storage` run: the file through tsx. */
async function example(file: string): Promise<string> {
  const { stdout } = await run(`${root}node_modules/.bin/tsx`, [file], { cwd: root, timeout: 55_000 });
  return stdout;
}

/** What the router did for one request, as the test's own listeners saw it. */
interface Told {
  attempts: RouterEvents['attempt'][];
  skips: RouterEvents['skip'][];
  failovers: RouterEvents['failover'][];
  cooldowns: Array<RouterEvents['cooldown'] & { at: number }>;
  usage: UsageRecord[];
  served?: Extract<RouterEvents['success'], { operation: 'chat' }>['result'];
}

const secs = (ms: number) => `${Math.ceil(ms / 1000)} s`;

/** The narration's lines between `request N:` and the next blank line, by request. */
function sections(lines: readonly string[]): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (/^request \d+:/.test(line)) {
      current = [];
      out.push(current);
    } else if (line === '') current = undefined;
    else current?.push(line);
  }
  return out;
}

/** The one line of `lines` starting with `prefix` and containing every part of `parts`. */
function lineWith(lines: readonly string[], prefix: string, ...parts: string[]): string {
  const found = lines.filter((l) => l.startsWith(prefix) && parts.every((p) => l.includes(p)));
  expect(found, `${prefix} … ${parts.join(' … ')} in\n${lines.join('\n')}`).toHaveLength(1);
  return found[0]!;
}

describe('npm run example: the router narrated, every line checked against what it did', () => {
  it('tells each key choice, failover, cooldown, skip, usage record and the plan — and the plan comes true', async () => {
    // The example's router and narration, in process; the test's own listeners are the ground truth.
    const clock = manualClock();
    const router = exampleRouter(clock);
    const told: Told[] = [];
    const now = () => told.at(-1)!;
    router.on('request', () =>
      told.push({ attempts: [], skips: [], failovers: [], cooldowns: [], usage: [] }),
    );
    router.on('attempt', (e) => now().attempts.push(e));
    router.on('skip', (e) => now().skips.push(e));
    router.on('failover', (e) => now().failovers.push(e));
    router.on('cooldown', (e) => now().cooldowns.push({ ...e, at: clock.now() }));
    router.on('usage', (r) => now().usage.push(r));
    router.on('success', (e) => {
      if (e.operation === 'chat') now().served = e.result;
    });
    const plans: Array<{ at: number; plan: PlannedCandidate[] }> = [];
    const plan = router.plan.bind(router);
    router.plan = async (...args) => {
      const p = await plan(...args);
      plans.push({ at: clock.now(), plan: structuredClone(p) });
      return p;
    };

    const lines: string[] = [];
    await narrate(router, clock, (line) => lines.push(line));
    const stats = router.stats();
    await router.close();

    // One section per request the router received, each telling every event of that request.
    const bySection = sections(lines);
    expect(bySection).toHaveLength(told.length);
    told.forEach((t, i) => {
      const section = bySection[i]!;
      expect(
        section.filter((l) => l.startsWith('  try ')),
        `request ${i + 1}`,
      ).toHaveLength(t.attempts.length);
      for (const a of t.attempts) {
        const line = lineWith(
          section,
          '  try ',
          `#${a.attempt} ${a.providerId}/${a.modelId} with ${a.keyId},`,
        );
        // "the first key of its pool with room": every key listed before it is cooling or full.
        const pool = line.slice(line.indexOf('(') + 1, -1).split(', ');
        const chosen = pool.findIndex((k) => k.startsWith(`${a.keyId} `));
        expect(chosen, line).toBeGreaterThanOrEqual(0);
        for (const before of pool.slice(0, chosen))
          expect(before, line).toMatch(/cooling|(\d+)\/\1 requests/);
      }
      for (const s of t.skips)
        lineWith(
          section,
          '  skip ',
          `${s.providerId}/${s.modelId}: ${s.reason}`,
          ...(s.retryAfterMs === undefined ? [] : [`back in ${secs(s.retryAfterMs)}`]),
        );
      for (const f of t.failovers)
        lineWith(section, '  failed ', `#${f.attempt} ${f.from.keyId}: ${f.error.status} ${f.error.kind}`);
      for (const c of t.cooldowns)
        lineWith(
          section,
          '  cool ',
          `${c.providerId}/${c.keyId} out of rotation for ${secs(c.until - c.at)}`,
        );
      expect(
        section.filter((l) => l.startsWith('  usage ')),
        `request ${i + 1}`,
      ).toHaveLength(t.usage.length);
      for (const r of t.usage)
        lineWith(
          section,
          '  usage ',
          `#${r.attempt} ${r.status}`,
          `${r.providerId}/${r.modelId} ${r.keyId}: ${r.promptTokens}+${r.completionTokens} tokens`,
        );
      const served = t.served!;
      lineWith(
        section,
        '  ⇒ ',
        `${served.model.providerId}/${served.model.modelId} answered "${served.message.content}"`,
        `after ${served.attempts.length} attempt(s), ${served.usage.totalTokens} tokens`,
      );
    });

    // The story the example exists to tell, as the router lived it: a 429 moves request 1 to the next
    // key; once fast-cloud's pool is spent, requests go to steady-ai, with the skip saying why.
    const [fast, steady] = catalog.groups[0]!.members.map((m) => `${m.providerId}/${m.modelId}`);
    const servedBy = told.map((t) => `${t.served!.model.providerId}/${t.served!.model.modelId}`);
    expect(told[0]!.failovers.map((f) => [f.action, f.error.status])).toEqual([['next_key', 429]]);
    expect(servedBy.slice(0, 6)).toEqual([fast, fast, fast, steady, steady, steady]);
    for (const t of told.slice(3, 6))
      expect(t.skips.map((s) => `${s.providerId}/${s.modelId}`)).toEqual([fast]);

    // The plan printed is the plan returned, line by line, in its order.
    expect(plans).toHaveLength(1);
    const printed = lines.slice(lines.findIndex((l) => l.startsWith('plan(')) + 1);
    plans[0]!.plan.forEach((c, i) => {
      const line = printed[i]!;
      expect(line).toContain(
        `${i + 1}. ${c.providerId}/${c.modelId}  headroom ${(c.headroom * 100).toFixed(0)}%`,
      );
      expect(line).toContain(`keys ${c.usableKeys}/${c.totalKeys} usable`);
      if (c.skip) expect(line).toContain(`skipped: ${c.skip}, back in ${secs(c.retryAfterMs!)}`);
      else expect(line).toContain('ready');
    });
    // …and it comes true: at its retryAfterMs the skipped candidate serves again (request 7).
    const skipped = plans[0]!.plan.find((c) => c.skip)!;
    expect(skipped.retryAfterMs).toBeGreaterThan(0);
    expect(lines).toContain(
      `${secs(skipped.retryAfterMs!)} later (the plan's retryAfterMs for ${skipped.providerId}; the example moves its clock):`,
    );
    expect(told).toHaveLength(7);
    expect(told[6]!.attempts[0]!.providerId).toBe(skipped.providerId);
    expect(servedBy[6]).toBe(`${skipped.providerId}/${skipped.modelId}`);

    // Usage totals are the records' sums; nothing is held at the end; no secret is ever printed.
    const records = told.flatMap((t) => t.usage);
    for (const name of new Set(records.map((r) => `${r.providerId}/${r.modelId}`))) {
      const mine = records.filter((r) => `${r.providerId}/${r.modelId}` === name);
      const served = mine.filter((r) => r.status === 'success').length;
      const tokens = mine.reduce((n, r) => n + r.totalTokens, 0);
      const cost = mine.reduce((n, r) => n + (r.costUsd ?? 0), 0);
      expect(lines).toContain(
        `  ${name}: ${served} served of ${mine.length} attempt(s), ${tokens} tokens, $${cost.toFixed(6)}`,
      );
    }
    expect(lines.at(-1)).toBe(
      `in flight: ${stats.inFlight}, queued: ${stats.queued}, leases outstanding: ${stats.leases?.outstanding ?? 0}`,
    );
    expect(stats.inFlight + stats.queued + (stats.leases?.outstanding ?? 0)).toBe(0);
    expect(lines.join('\n')).not.toContain('demo-secret');

    // The README quotes the plan as the example prints it.
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const planAt = lines.findIndex((l) => l.startsWith('plan('));
    expect(readme).toContain(lines.slice(planAt, planAt + 1 + plans[0]!.plan.length).join('\n'));

    // `npm run example` prints exactly this narration (the same router, the same clock start).
    expect(await example('examples/failover.ts')).toBe(`${lines.join('\n')}\n`);
  });

  it('npm run example:custom-storage: a JSON-file catalog written by one router serves another', async () => {
    const out = await example('examples/custom-storage/main.ts');
    expect(out).toContain('chat → local/tiny: "hello from a JSON-file catalog"');
  });
});

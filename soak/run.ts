/**
 * The chaos soak, full size: `npm run soak -- --requests 100000 --seed 7 --concurrency 64`.
 * `--quota redis` runs it over the Redis quota store (REDIS_URL), `--relay 20` sends 20 % of the
 * requests through the HTTP relay.
 * Prints progress, then every figure and invariant; exits 1 when an invariant fails.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runSoak } from './engine.js';
import { WIRE_FORMATS } from './wire-formats.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`--${name} expects a non-negative integer, got ${raw}`);
  return n;
}

function choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw))
    throw new Error(`--${name} expects one of ${allowed.join(', ')}, got ${raw}`);
  return raw as T;
}

/** `global.gc`, exposed at run time so that the script line needs no node flag. */
function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

const requests = arg('requests', 10_000);
const seed = arg('seed', 20_240_601);
const concurrency = arg('concurrency', 64);
const batchSize = arg('batch', 1_000);
const quota = choice('quota', ['memory', 'redis'] as const, 'memory');
const wire = choice('wire', WIRE_FORMATS, 'openai');
/** Percent of requests sent through the HTTP relay. */
const relayPercent = arg('relay', 0);
if (relayPercent > 100) throw new Error(`--relay expects a percentage, got ${relayPercent}`);
const out = (line: string) => process.stdout.write(`${line}\n`);

out(
  `soak: ${requests} requests, seed ${seed}, concurrency ${concurrency}, checkpoint every ${batchSize}, quota ${quota}, wire format ${wire}, ${relayPercent} % through the HTTP relay`,
);
const t0 = Date.now();
const report = await runSoak({
  requests,
  seed,
  concurrency,
  batchSize,
  quota,
  wire,
  relayShare: relayPercent / 100,
  gc: exposeGc(),
  onBatch: (b) => {
    const done = Math.min(requests, (b.index + 1) * batchSize);
    if ((b.index + 1) % 10 === 0 || done === requests || b.violations.length > 0) {
      out(
        `  ${done}/${requests} (${((Date.now() - t0) / 1000).toFixed(1)} s) records ${b.records}, violations ${b.violations.length}`,
      );
      for (const v of b.violations.slice(0, 5)) out(`    ${v}`);
    }
  },
});

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
out('');
out(
  `time ${(report.durationMs / 1000).toFixed(1)} s (${Math.round(report.requests / (report.durationMs / 1000))} req/s)`,
);
out(
  `attempts ${report.attempts} → ${report.attemptsPerRequest.toFixed(3)} per request; ${(report.attempts / report.requestsWithAttempts).toFixed(3)} per request that reached a provider (${report.requestsWithAttempts})`,
);
out(
  `failover: ${report.requestsWithFailover} requests with more than one attempt (${pct(report.failoverRate)} of all, ${pct(report.requestsWithFailover / report.requestsWithAttempts)} of those that reached a provider), ${report.failoverEvents} failover events`,
);
out(`outcomes ${JSON.stringify(report.outcomes)}`);
out(`behaviours ${JSON.stringify(report.behaviours)}`);
out(`embed() requests by outcome ${JSON.stringify(report.embeds)}`);
out(`provider calls ${JSON.stringify(report.providerCalls)}, server hits ${report.serverHits}`);
out(`record statuses ${JSON.stringify(report.tallies.statuses)}`);
out(`faults served ${JSON.stringify(report.tallies.faults)}`);
out(`wire attempts by fault → ending ${JSON.stringify(report.tallies.wireEndings)}`);
out(`attempt errors ${JSON.stringify(report.tallies.errorCodes)}`);
out(`error events ${JSON.stringify(report.errorEvents)}; injected ${JSON.stringify(report.injected)}`);
out(`leases ${JSON.stringify(report.leases)}`);
if (report.redisKeys)
  out(`redis keys of the run: deleted ${report.redisKeys.deleted}, left ${report.redisKeys.left}`);
if (report.relay) out(`relay ${JSON.stringify(report.relay)}`);
if (report.heapMB)
  out(`heap samples (MB, after gc) ${report.heapMB.samples.map((s) => s.toFixed(1)).join(' ')}`);
out('');
for (const i of report.invariants) out(`${i.ok ? 'ok  ' : 'FAIL'} ${i.name} — ${i.detail}`);
if (report.violations.length > 0) {
  out(`\n${report.violationCount} violation(s); first ones:`);
  for (const v of report.violations.slice(0, 30)) out(`  ${v}`);
}
process.exitCode = report.invariants.every((i) => i.ok) && report.violationCount === 0 ? 0 : 1;

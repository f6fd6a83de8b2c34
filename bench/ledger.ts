import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { postgresStorage } from '../src/postgres/index.js';
import type { UsageRecord } from '../src/index.js';
import { type BenchOptions, type Result, figure } from './lib/result.js';

const BENCH = 'ledger';

/**
 * Postgres usage ledger: rows per second through `postgresStorage().recordUsage`, one batch at a
 * time as the router's usage buffer writes them, at the router's default batch (500) and a small
 * one (50). Runs in a schema of its own (DATABASE_URL), dropped afterwards.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const url = process.env.DATABASE_URL;
  if (!url) return [{ bench: BENCH, name: 'usage ledger rows/s', skipped: 'DATABASE_URL is not set' }];
  const rounds = quick ? 1 : 5;
  const rowsPerRound = quick ? 200 : 20_000;
  const sql = postgres(url, {
    max: 4,
    onnotice: () => {},
    connection: { application_name: 'model-router-bench' },
  });
  const schema = `mr_bench_${randomBytes(4).toString('hex')}`;
  const storage = postgresStorage({ sql }, { schema });
  const rates = new Map<number, number[]>([
    [500, []],
    [50, []],
  ]);
  let written = 0;
  try {
    await storage.init();
    const t = Date.now();
    const records = Array.from({ length: rowsPerRound }, (_, i) => usageRecord(i, t));
    await storage.recordUsage(records.slice(0, 500)); // warm the connection and the plan
    written += Math.min(500, records.length);
    for (let round = 0; round < rounds; round++) {
      for (const [batch, samples] of rates) {
        // Fresh request ids for every pass: the ledger keeps one row per (request_id, attempt).
        const pass = records.map((r) => ({ ...r, requestId: `${r.requestId}-${round}-${batch}` }));
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < pass.length; i += batch) await storage.recordUsage(pass.slice(i, i + batch));
        samples.push(records.length / (Number(process.hrtime.bigint() - t0) / 1e9));
        written += records.length;
      }
    }
    const [row] = await sql.unsafe(`select count(*)::int as n from "${schema}".usage_records`);
    if (row?.n !== written) throw new Error(`ledger: ${row?.n} rows in the table, ${written} written`);
  } finally {
    await storage.close();
    await sql.unsafe(`drop schema if exists "${schema}" cascade`);
    await sql.end({ timeout: 5 });
  }
  return [...rates].map(([batch, samples]) =>
    figure(BENCH, `usage ledger rows/s, batches of ${batch}`, 'rows/s', samples, {
      note: `${rowsPerRound} rows per round, one batch at a time`,
    }),
  );
}

function usageRecord(i: number, now: number): UsageRecord {
  return {
    requestId: `req-${i.toString(36)}-${randomBytes(4).toString('hex')}`,
    attempt: 1,
    status: i % 20 === 0 ? 'error' : 'success',
    groupName: 'coding',
    providerId: i % 2 === 0 ? 'openai' : 'anthropic',
    modelId: i % 2 === 0 ? 'gpt-4o-mini' : 'claude-sonnet-4-5',
    keyId: `key-${i % 4}`,
    promptTokens: 120 + (i % 50),
    completionTokens: 300 + (i % 70),
    totalTokens: 420 + (i % 50) + (i % 70),
    estimated: false,
    costUsd: 0.000123,
    latencyMs: 800 + (i % 400),
    ...(i % 3 === 0 ? { ttftMs: 210 } : {}),
    ...(i % 20 === 0 ? { errorCode: 'server', httpStatus: 500 } : {}),
    stream: i % 3 === 0,
    startedAt: now - 1000,
    finishedAt: now,
  };
}

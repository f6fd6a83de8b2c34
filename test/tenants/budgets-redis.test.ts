import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelRouter, openaiCompatible } from '../../src/index.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { type UpstreamHandler, openaiUpstream } from '../helpers/openai-upstream.js';
import {
  TEST_KEY,
  connect as connectPg,
  dropSchema,
  q,
  testSchema,
  url as DATABASE_URL,
} from '../postgres/harness.js';
import { connect as connectRedis, deleteKeys, REDIS_URL, testPrefix } from '../redis/redis-env.js';

/*
 * #18 part 2's test: four router processes, 200 concurrent requests each, one tenant with a small
 * budget, its counters in one Redis, its ledger in one Postgres. A third of the requests stream, a
 * third fail over from a dearer candidate that answers 500. The final spend, read from the ledger, may
 * pass the budget by at most one request's worst case.
 */
const WORKERS = 4;
const REQUESTS = 200;
const MAX_TOKENS = 30;
const COMPLETION = 20; // tokens each upstream reply reports
const BUDGET_USD = 1;
// Output-only prices: $0.001 a token on `ok`, $0.002 on `dear` (the 500ing first member of `fo`).
const WORST_USD = MAX_TOKENS * 0.002;
const PEPPER = 'a-test-pepper-of-16+-bytes';

const workerPath = fileURLToPath(new URL('./fixtures/budget-worker.ts', import.meta.url));

const handler: UpstreamHandler = (r) => {
  const model = String(r.body.model);
  if (model === 'dear')
    return { status: 500, json: { error: { message: 'upstream down', type: 'server_error' } } };
  const usage = { prompt_tokens: 5, completion_tokens: COMPLETION, total_tokens: 5 + COMPLETION };
  const base = { id: 'c', created: 1, model };
  if (!r.body.stream) {
    return {
      json: {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage,
      },
    };
  }
  const chunk = (choices: unknown[], extra: object = {}) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices,
    ...extra,
  });
  return {
    sse: [
      chunk([{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      chunk([], { usage }),
      '[DONE]',
    ],
  };
};

describe.skipIf(!REDIS_URL || !DATABASE_URL)(
  'budgets on Redis: 4 processes × 200 concurrent requests, one tenant',
  () => {
    const schema = testSchema('budgets');
    const prefix = testPrefix('budgets');
    const children: ChildProcess[] = [];
    let sql: Sql | undefined;

    afterAll(async () => {
      for (const child of children) {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          process.kill(child.pid, 'SIGKILL');
          await exited;
        }
      }
      if (sql) {
        await dropSchema(sql, schema);
        await sql.end();
      }
      const redis = connectRedis();
      await deleteKeys(redis, prefix);
      await redis.quit();
    });

    it('the final spend in the ledger stays within the budget plus one worst case; streams and failovers count', async () => {
      const up = await openaiUpstream(handler);
      sql = connectPg();
      const admin = { actor: { role: 'admin' } };
      const setup = new ModelRouter({
        storage: postgresStorage(
          { url: DATABASE_URL!, options: { max: 2 } },
          { schema, encryptionKey: TEST_KEY },
        ),
        adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }) },
        virtualKeyPepper: PEPPER,
      });
      await setup.admin.createProvider(
        { id: 'up', adapter: 'openai', baseUrl: up.url, keys: [{ id: 'k', secret: 'sk-test-upstream' }] },
        admin,
      );
      await setup.admin.createModel(
        { providerId: 'up', modelId: 'ok', inputCostPerMTok: 0, outputCostPerMTok: 1000 },
        admin,
      );
      await setup.admin.createModel(
        { providerId: 'up', modelId: 'dear', inputCostPerMTok: 0, outputCostPerMTok: 2000 },
        admin,
      );
      await setup.admin.createGroup(
        {
          name: 'fo',
          members: [
            { providerId: 'up', modelId: 'dear' },
            { providerId: 'up', modelId: 'ok' },
          ],
        },
        admin,
      );
      await setup.admin.createGroup({ name: 'plain', members: [{ providerId: 'up', modelId: 'ok' }] }, admin);
      const tenant = await setup.admin.createTenant(
        { name: 'acme', budgets: [{ usd: BUDGET_USD, period: 'day' }] },
        admin,
      );
      const key = await setup.admin.createVirtualKey(tenant.id, {}, admin);
      await setup.close();

      const workers = Array.from({ length: WORKERS }, () => {
        const child = fork(workerPath, [], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: {
            ...process.env,
            REDIS_URL: REDIS_URL!,
            QUOTA_PREFIX: prefix,
            DATABASE_URL: DATABASE_URL!,
            SCHEMA: schema,
            ENCRYPTION_KEY: TEST_KEY,
            PEPPER,
            VIRTUAL_KEY: key.key,
            REQUESTS: String(REQUESTS),
            MAX_TOKENS: String(MAX_TOKENS),
            WORST_USD: String(WORST_USD),
          },
        });
        children.push(child);
        return child;
      });
      const next = <T>(child: ChildProcess, type: string) =>
        new Promise<T>((resolve, reject) => {
          const onMessage = (m: { type: string; message?: string }) => {
            if (m.type === 'error') reject(new Error(m.message));
            if (m.type !== type) return;
            child.off('message', onMessage);
            resolve(m as T);
          };
          child.on('message', onMessage);
          child.once('exit', (code) => reject(new Error(`worker exited (${code}) before "${type}"`)));
        });
      await Promise.all(workers.map((w) => next(w, 'ready')));
      const done = workers.map((w) =>
        next<{ outcomes: Record<string, number>; budgetLeases: number }>(w, 'done'),
      );
      for (const w of workers) w.send({ type: 'go' });
      const reports = await Promise.all(done);
      await up.close();

      const [row] = await sql.unsafe(
        `select coalesce(sum(cost_usd), 0)::float8 as spent, count(*)::int as attempts,
              count(*) filter (where stream)::int as streamed,
              count(*) filter (where status <> 'success')::int as failed
       from ${q(schema)}.usage_records where tenant_id = $1`,
        [tenant.id],
      );
      const spent = Number(row!.spent);
      const totals: Record<string, number> = {};
      for (const r of reports)
        for (const [k, v] of Object.entries(r.outcomes)) totals[k] = (totals[k] ?? 0) + v;
      const served = (totals.ok ?? 0) + (totals['ok:stream'] ?? 0) + (totals['ok:failover'] ?? 0);
      console.log(
        `[budgets-redis] ${WORKERS}×${REQUESTS} requests: ${JSON.stringify(totals)}; ledger spend $${spent.toFixed(4)} ` +
          `of a $${BUDGET_USD} budget (overrun $${Math.max(0, spent - BUDGET_USD).toFixed(4)}; allowed $${WORST_USD}); ` +
          `${row!.attempts} attempts recorded, ${row!.streamed} streamed, ${row!.failed} failed`,
      );
      expect(spent).toBeLessThanOrEqual(BUDGET_USD + WORST_USD + 1e-9);
      // The budget was the limit, not the load: most of it was used, the rest refused.
      expect(spent).toBeGreaterThan(BUDGET_USD - WORST_USD - 1e-9);
      expect(totals.BUDGET_EXCEEDED).toBeGreaterThan(0);
      expect(Object.keys(totals).sort()).toEqual(['BUDGET_EXCEEDED', 'ok', 'ok:failover', 'ok:stream']);
      expect(totals['ok:stream']).toBeGreaterThan(0);
      expect(totals['ok:failover']).toBeGreaterThan(0);
      expect(row!.streamed).toBeGreaterThan(0);
      expect(row!.failed).toBeGreaterThan(0);
      // Each served request cost 20 tokens at $0.001: the ledger holds every one of them.
      expect(spent).toBeCloseTo(served * COMPLETION * 0.001, 6);
      for (const r of reports) expect(r.budgetLeases).toBe(0);
      // Nothing is held in Redis once every process has settled.
      const redis = connectRedis();
      try {
        const leases = await redis.hlen(`${prefix}b{${encodeURIComponent(tenant.id)}}:l`);
        expect(leases).toBe(0);
      } finally {
        await redis.quit();
      }
    }, 120_000);
  },
);

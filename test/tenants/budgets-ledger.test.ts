import type { Sql } from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelRouter, RouterError } from '../../src/index.js';
import type { Budget } from '../../src/index.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { TEST_KEY, connect, dropSchema, testSchema, url } from '../postgres/harness.js';

/*
 * The ledger is the source of truth (#18 part 2): a router that starts with an empty quota store (a
 * restart; a flushed Redis) rebuilds each budget's spend from the usage records in Postgres.
 */
const admin = { actor: { role: 'admin' } };
const hi = [{ role: 'user' as const, content: 'hi' }];
const T0 = Date.UTC(2026, 11, 5, 12);

describe.skipIf(!url)('budgets rebuilt from the ledger on start', () => {
  const schema = testSchema('budget_ledger');
  let sql: Sql | undefined;
  afterAll(async () => {
    if (sql) {
      await dropSchema(sql, schema);
      await sql.end();
    }
  });

  const start = (clock: ReturnType<typeof manualClock>) =>
    new ModelRouter({
      storage: postgresStorage({ url: url!, options: { max: 2 } }, { schema, encryptionKey: TEST_KEY }),
      // $0.001 an output token; every reply reports 5 of them: $0.005 a request.
      adapters: {
        mock: mockProvider({
          fallback: { text: 'x', usage: { promptTokens: 1, completionTokens: 5, totalTokens: 6 } },
        }),
      },
      virtualKeyPepper: 'a-test-pepper-of-16+-bytes',
      clock,
    });

  it('a restarted router refuses at once what the ledger says is spent (day, rolling), and not a cent more', async () => {
    sql = connect();
    const clock = manualClock(T0);
    const first = start(clock);
    await first.admin.createProvider(
      { id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'sk-test-0123456789' }] },
      admin,
    );
    await first.admin.createModel(
      { providerId: 'p', modelId: 'm', inputCostPerMTok: 0, outputCostPerMTok: 1000 },
      admin,
    );
    const day: Budget[] = [{ usd: 0.03, period: 'day' }];
    const rolling: Budget[] = [{ usd: 0.03, period: 'rolling', windowMs: 3_600_000 }];
    const a = await first.admin.createTenant({ name: 'day', budgets: day }, admin);
    const b = await first.admin.createTenant({ name: 'rolling', budgets: rolling }, admin);
    const keyA = (await first.admin.createVirtualKey(a.id, {}, admin)).key;
    const keyB = (await first.admin.createVirtualKey(b.id, {}, admin)).key;
    const pa = await first.authenticateKey(keyA);
    const pb = await first.authenticateKey(keyB);
    // Four requests each at $0.005 ($0.02 spent), ten minutes apart; worst case 10 tokens = $0.01.
    for (let i = 0; i < 4; i++) {
      await first.complete({ model: 'p/m', messages: hi, maxTokens: 10 }, { tenant: pa });
      await first.complete({ model: 'p/m', messages: hi, maxTokens: 10 }, { tenant: pb });
      clock.advance(600_000);
    }
    await first.close(); // the ledger is flushed

    const second = start(clock);
    try {
      const qa = await second.authenticateKey(keyA);
      const qb = await second.authenticateKey(keyB);
      // $0.02 spent: a $0.015 worst case no longer fits in $0.03, a $0.01 one does.
      for (const p of [qa, qb]) {
        const e = await second.complete({ model: 'p/m', messages: hi, maxTokens: 15 }, { tenant: p }).then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(RouterError.isInstance(e, 'BUDGET_EXCEEDED')).toBe(true);
        expect((e as RouterError<'BUDGET_EXCEEDED'>).details.spentUsd).toBeCloseTo(0.02, 9);
        await second.complete({ model: 'p/m', messages: hi, maxTokens: 10 }, { tenant: p });
      }
      // The rolling window lets the first request's $0.005 go after an hour (20 minutes from now, at most
      // one slice of the rebuilt window later); the day budget does not.
      clock.advance(30 * 60_000);
      await second.complete({ model: 'p/m', messages: hi, maxTokens: 10 }, { tenant: qb });
      const refused = await second
        .complete({ model: 'p/m', messages: hi, maxTokens: 10 }, { tenant: qa })
        .then(
          () => undefined,
          (x: unknown) => x,
        );
      expect(RouterError.isInstance(refused, 'BUDGET_EXCEEDED')).toBe(true);
    } finally {
      await second.close();
    }
  });
});

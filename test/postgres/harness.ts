import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import type { UsageRecord } from '../../src/types/usage-record.js';

/** The database under test; the Postgres suites are skipped (loudly) without it. */
export const url = process.env.DATABASE_URL;

if (!url) {
  console.warn(
    '\n[model-router] DATABASE_URL is not set: the Postgres tests in test/postgres are SKIPPED.\n' +
      '  Run them with e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run test/postgres\n',
  );
}

/** A fixed test key (32 bytes, hex); never a production key. */
export const TEST_KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

/** A schema of its own for each test file, so files run in parallel on one database. */
export function testSchema(name: string): string {
  return `mr_test_${name}_${randomBytes(4).toString('hex')}`;
}

export function connect(applicationName = 'model-router-test'): Sql {
  return postgres(url!, { max: 5, onnotice: () => {}, connection: { application_name: applicationName } });
}

export const q = (schema: string) => `"${schema.replace(/"/g, '""')}"`;

export async function dropSchema(sql: Sql, schema: string): Promise<void> {
  await sql.unsafe(`drop schema if exists ${q(schema)} cascade`);
}

/** Empties the catalog and the ledger of a migrated schema (one statement: one notification). */
export async function truncateAll(sql: Sql, schema: string): Promise<void> {
  const s = q(schema);
  await sql.unsafe(
    `truncate ${s}.model_group_members, ${s}.model_groups, ${s}.models, ${s}.provider_keys, ${s}.providers, ${s}.usage_records, ${s}.virtual_keys, ${s}.tenants`,
  );
}

/** Reads usage rows back as `UsageRecord`s (absent fields for NULL columns). */
export async function readUsage(sql: Sql, schema: string): Promise<UsageRecord[]> {
  const rows = await sql.unsafe(
    `select *, (extract(epoch from started_at) * 1000)::bigint as started_ms,
            (extract(epoch from finished_at) * 1000)::bigint as finished_ms
     from ${q(schema)}.usage_records order by id`,
  );
  return rows.map((r) => {
    const rec: Record<string, unknown> = {
      requestId: r.request_id,
      attempt: r.attempt,
      operation: r.operation,
      status: r.status,
      groupName: r.group_name,
      providerId: r.provider_id,
      modelId: r.model_id,
      keyId: r.key_id,
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      totalTokens: Number(r.total_tokens),
      estimated: r.estimated,
      costUsd: r.cost_usd,
      latencyMs: r.latency_ms,
      ttftMs: r.ttft_ms,
      errorCode: r.error_code,
      httpStatus: r.http_status,
      stream: r.stream,
      startedAt: Number(r.started_ms),
      finishedAt: Number(r.finished_ms),
      tenantId: r.tenant_id,
      virtualKeyId: r.virtual_key_id,
    };
    for (const k of Object.keys(rec)) if (rec[k] === null) delete rec[k];
    return rec as unknown as UsageRecord;
  });
}

/** Polls until `condition` holds; a bounded deadline instead of a fixed sleep. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  ms = 2000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

import type { Sql, TransactionSql } from 'postgres';
import type { SecretBox } from './secret-box.js';

export type TableName =
  | 'providers'
  | 'provider_keys'
  | 'models'
  | 'model_groups'
  | 'model_group_members'
  | 'usage_records'
  | 'tenants'
  | 'virtual_keys';

/** What the write modules share: the client (created lazily), table names and the secret box. */
export interface PgContext {
  client(): Promise<Sql>;
  /** Schema-qualified, quoted table name, safe to splice into query text. */
  t(table: TableName): string;
  box: SecretBox;
}

type Db = Sql | TransactionSql;

/** Appends `value` to `params` and returns its `$n`. */
function placeholder(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/** `insert … values (…), (…) returning *`, chunked below Postgres' 65,535 parameters per statement. */
export async function insertRows(
  db: Db,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
): Promise<Record<string, unknown>[]> {
  const perChunk = Math.floor(60_000 / columns.length);
  const out: Record<string, unknown>[] = [];
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => `(${row.map((v) => placeholder(params, v)).join(', ')})`);
    const text = `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')} returning *`;
    out.push(...(await db.unsafe(text, params as never[])));
  }
  return out;
}

/**
 * `update … set <given columns>, updated_at = now() where … returning *`. Only the columns given
 * are written, so concurrent patches of different fields of one row both survive.
 */
export async function updateRow(
  db: Db,
  table: string,
  set: Record<string, unknown>,
  where: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const params: unknown[] = [];
  const assign = Object.entries(set).map(([c, v]) => `${c} = ${placeholder(params, v)}`);
  const match = Object.entries(where).map(([c, v]) => `${c} = ${placeholder(params, v)}`);
  const text = `update ${table} set ${[...assign, 'updated_at = now()'].join(', ')} where ${match.join(' and ')} returning *`;
  const [row] = await db.unsafe(text, params as never[]);
  return row;
}

import type { Catalog, Group, GroupMember, Model, Provider, ProviderKey } from '../../catalog/types.js';
import type { SecretBox } from './secret-box.js';

/*
 * Rows → catalog entities. Rows arrive either from `returning *` (postgres.js types: int8 as string,
 * timestamptz as Date) or from the one-round-trip `json_agg` load (numbers, ISO strings); both are
 * accepted. NULL columns become absent fields, as the catalog types want.
 */

export type Row = Record<string, unknown>;

const iso = (v: unknown): string => new Date(v as string | Date).toISOString();
const str = (v: unknown): string => String(v);

/** Copies the non-null columns named in `columns` to their field names. */
function optional(
  row: Row,
  columns: Record<string, string>,
  toValue: (v: unknown) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, field] of Object.entries(columns)) {
    const v = row[column];
    if (v !== null && v !== undefined) out[field] = toValue(v);
  }
  return out;
}

/**
 * A key whose secret does not decrypt is still a key: it loads marked `unusable` (with why), so that
 * one bad row neither takes the catalog down nor hides itself from the admin API that can fix it.
 */
export function toKey(row: Row, box: SecretBox): ProviderKey {
  const providerId = str(row.provider_id);
  const id = str(row.id);
  let secret = '';
  let unusable: string | undefined;
  try {
    secret = box.open(str(row.secret), providerId, id);
  } catch (error) {
    unusable = error instanceof Error ? error.message : `Key "${providerId}/${id}" cannot be decrypted`;
  }
  return {
    id,
    providerId,
    secret,
    ...optional(row, { rpm: 'rpm', tpm: 'tpm', max_concurrent: 'maxConcurrent' }, Number),
    enabled: row.enabled === true,
    ...(unusable === undefined ? {} : { unusable }),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toProvider(row: Row, keys: ProviderKey[]): Provider {
  return {
    id: str(row.id),
    ...optional(row, { name: 'name' }, str),
    adapter: str(row.adapter),
    ...optional(row, { base_url: 'baseUrl' }, str),
    enabled: row.enabled === true,
    keys,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toModel(row: Row): Model {
  return {
    id: str(row.id),
    providerId: str(row.provider_id),
    modelId: str(row.model_id),
    ...optional(
      row,
      {
        context_window: 'contextWindow',
        max_output_tokens: 'maxOutputTokens',
        input_cost_per_mtok: 'inputCostPerMTok',
        output_cost_per_mtok: 'outputCostPerMTok',
        cache_read_cost_per_mtok: 'cacheReadCostPerMTok',
        cache_write_cost_per_mtok: 'cacheWriteCostPerMTok',
      },
      Number,
    ),
    ...tagsOf(row),
    enabled: row.enabled === true,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** The `tags` column (a text[] from `returning *`, a JSON array from the load): absent when empty. */
function tagsOf(row: Row): { tags?: string[] } {
  const v = row.tags;
  return Array.isArray(v) && v.length > 0 ? { tags: v.map(String) } : {};
}

export function toMember(row: Row): GroupMember {
  return {
    id: str(row.id),
    groupId: str(row.group_id),
    providerId: str(row.provider_id),
    modelId: str(row.model_id),
    priority: Number(row.priority),
    weight: Number(row.weight),
    ...tagsOf(row),
    enabled: row.enabled === true,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toGroup(row: Row, members: GroupMember[]): Group {
  return {
    id: str(row.id),
    name: str(row.name),
    ...optional(row, { display_name: 'displayName', description: 'description' }, str),
    enabled: row.enabled === true,
    ...optional(row, { failover_strategy: 'failoverStrategy' }, str),
    members,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Groups children by a parent column, keeping their order. */
function byParent<T>(rows: Row[], column: string, map: (row: Row) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const parent = str(row[column]);
    const list = out.get(parent);
    if (list) list.push(map(row));
    else out.set(parent, [map(row)]);
  }
  return out;
}

export interface CatalogRows {
  providers: Row[];
  keys: Row[];
  models: Row[];
  groups: Row[];
  members: Row[];
}

export function toCatalog(rows: CatalogRows, box: SecretBox): Catalog {
  const keys = byParent(rows.keys, 'provider_id', (r) => toKey(r, box));
  const members = byParent(rows.members, 'group_id', toMember);
  return {
    providers: rows.providers.map((r) => toProvider(r, keys.get(str(r.id)) ?? [])),
    models: rows.models.map(toModel),
    groups: rows.groups.map((r) => toGroup(r, members.get(str(r.id)) ?? [])),
  };
}

/** Patch field → column, per table. Only these may be updated. */
export const COLUMNS = {
  provider: { name: 'name', adapter: 'adapter', baseUrl: 'base_url', enabled: 'enabled' },
  key: { secret: 'secret', rpm: 'rpm', tpm: 'tpm', maxConcurrent: 'max_concurrent', enabled: 'enabled' },
  model: {
    modelId: 'model_id',
    contextWindow: 'context_window',
    maxOutputTokens: 'max_output_tokens',
    inputCostPerMTok: 'input_cost_per_mtok',
    outputCostPerMTok: 'output_cost_per_mtok',
    cacheReadCostPerMTok: 'cache_read_cost_per_mtok',
    cacheWriteCostPerMTok: 'cache_write_cost_per_mtok',
    tags: 'tags',
    enabled: 'enabled',
  },
  group: {
    name: 'name',
    displayName: 'display_name',
    description: 'description',
    enabled: 'enabled',
    failoverStrategy: 'failover_strategy',
  },
} as const;

/** Patch → `{ column: value }` for the given fields; `undefined` is left out, `null` clears. */
export function patchColumns(patch: object, columns: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    const column = columns[field];
    if (column && value !== undefined) out[column] = value;
  }
  return out;
}

/**
 * Tags as a `text[]` parameter. postgres.js sends an empty array as `''`, which Postgres refuses as
 * an array literal: the empty one goes as `'{}'`.
 */
export function pgTags(tags: readonly string[] | undefined): readonly string[] | string {
  return tags && tags.length > 0 ? tags : '{}';
}

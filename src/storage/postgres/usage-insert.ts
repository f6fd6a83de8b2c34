import type { Sql } from 'postgres';
import type { UsageRecord } from '../../types/usage-record.js';

/**
 * Exactly once: `(request_id, attempt)` is unique (migration 0003), so a batch replayed after a lost
 * acknowledgement inserts nothing twice.
 *
 * One multi-row insert for any batch size: the batch travels as a single JSON text parameter (text, so that postgres.js does not encode it twice) and
 * `json_to_recordset` spreads it, so the statement stays far from the 65,535-parameter limit and
 * the plan is the same for every batch. Epoch milliseconds become timestamps exactly (integer math).
 */
export async function insertUsage(sql: Sql, table: string, records: readonly UsageRecord[]): Promise<void> {
  const rows = records.map((r) => ({
    request_id: r.requestId,
    attempt: r.attempt,
    status: r.status,
    group_name: r.groupName ?? null,
    provider_id: r.providerId,
    model_id: r.modelId,
    key_id: r.keyId,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    total_tokens: r.totalTokens,
    cached_prompt_tokens: r.cachedPromptTokens ?? null,
    cache_write_tokens: r.cacheWriteTokens ?? null,
    estimated: r.estimated,
    cost_usd: r.costUsd ?? null,
    latency_ms: Math.round(r.latencyMs),
    ttft_ms: r.ttftMs === undefined ? null : Math.round(r.ttftMs),
    error_code: r.errorCode ?? null,
    http_status: r.httpStatus ?? null,
    stream: r.stream,
    started_at: Math.round(r.startedAt),
    finished_at: Math.round(r.finishedAt),
    tenant_id: r.tenantId ?? null,
    virtual_key_id: r.virtualKeyId ?? null,
    operation: r.operation ?? 'chat',
  }));
  await sql.unsafe(
    `insert into ${table} (request_id, attempt, status, group_name, provider_id, model_id, key_id,
       prompt_tokens, completion_tokens, total_tokens, cached_prompt_tokens, cache_write_tokens,
       estimated, cost_usd, latency_ms, ttft_ms, error_code, http_status, stream, started_at, finished_at,
       tenant_id, virtual_key_id, operation)
     select request_id, attempt, status, group_name, provider_id, model_id, key_id,
       prompt_tokens, completion_tokens, total_tokens, cached_prompt_tokens, cache_write_tokens,
       estimated, cost_usd, latency_ms, ttft_ms,
       error_code, http_status, stream,
       'epoch'::timestamptz + started_at * interval '1 millisecond',
       'epoch'::timestamptz + finished_at * interval '1 millisecond', tenant_id, virtual_key_id,
       operation
     from json_to_recordset($1::text::json) as r(
       request_id text, attempt integer, status text, group_name text, provider_id text, model_id text,
       key_id text, prompt_tokens bigint, completion_tokens bigint, total_tokens bigint,
       cached_prompt_tokens bigint, cache_write_tokens bigint, estimated boolean,
       cost_usd double precision, latency_ms integer, ttft_ms integer, error_code text, http_status integer,
       stream boolean, started_at bigint, finished_at bigint, tenant_id text, virtual_key_id text,
       operation text)
     on conflict (request_id, attempt) do nothing`,
    [JSON.stringify(rows)],
  );
}

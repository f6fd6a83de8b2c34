-- The usage ledger: one row per attempt, failures included (see UsageRecord). No foreign keys to the
-- catalog on purpose: history outlives the providers, models and groups it names.

create table usage_records (
  id bigint generated always as identity primary key,
  request_id text not null,
  attempt integer not null,
  status text not null check (status in ('success', 'error', 'aborted', 'interrupted')),
  group_name text,
  provider_id text not null,
  model_id text not null,
  key_id text not null,
  prompt_tokens bigint not null,
  completion_tokens bigint not null,
  total_tokens bigint not null,
  estimated boolean not null,
  cost_usd double precision,
  latency_ms integer not null,
  ttft_ms integer,
  error_code text,
  http_status integer,
  stream boolean not null,
  started_at timestamptz not null,
  finished_at timestamptz not null,
  recorded_at timestamptz not null default now()
);

-- Per-day totals (`where started_at >= $day and started_at < $day + 1`), per-group and per-key
-- reports over a period, and looking up every attempt of one request.
create index usage_records_started_at_idx on usage_records (started_at);
create index usage_records_group_started_at_idx on usage_records (group_name, started_at);
create index usage_records_provider_key_started_at_idx on usage_records (provider_id, key_id, started_at);
create index usage_records_request_id_idx on usage_records (request_id);

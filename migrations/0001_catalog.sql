-- model-router catalog: providers, their keys, models, groups and group members.
-- Runs with search_path set to the target schema (see src/storage/postgres/migrate.ts).
-- Ids are text (catalog seeds use readable ids such as 'openai'; the API generates UUIDs);
-- `seq` keeps creation order, which the router uses as the last tie-break between candidates.

create table providers (
  id text primary key,
  seq bigint generated always as identity,
  name text,
  adapter text not null,
  base_url text,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table provider_keys (
  provider_id text not null references providers (id) on delete cascade,
  id text not null,
  seq bigint generated always as identity,
  -- An `env:NAME` reference, `enc:v1:` + AES-256-GCM ciphertext, or (only when explicitly allowed) plaintext.
  secret text not null,
  rpm bigint,
  tpm bigint,
  max_concurrent bigint,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (provider_id, id)
);

create table models (
  id text primary key,
  seq bigint generated always as identity,
  provider_id text not null references providers (id) on delete cascade,
  model_id text not null,
  context_window bigint,
  max_output_tokens bigint,
  input_cost_per_mtok double precision,
  output_cost_per_mtok double precision,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint models_provider_model_key unique (provider_id, model_id)
);

create table model_groups (
  id text primary key,
  seq bigint generated always as identity,
  name text not null constraint model_groups_name_key unique,
  display_name text,
  description text,
  enabled boolean not null default true,
  -- NULL means "the router's defaultStrategy" (itself 'quota_aware' unless configured), so that
  -- changing the router's default applies to every group that never chose one.
  failover_strategy text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table model_group_members (
  id text primary key,
  seq bigint generated always as identity,
  group_id text not null references model_groups (id) on delete cascade,
  provider_id text not null references providers (id) on delete cascade,
  model_id text not null,
  priority integer not null default 0,
  weight double precision not null default 1 check (weight >= 0),
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint model_group_members_group_provider_model_key unique (group_id, provider_id, model_id),
  -- The original relay checked "model exists" in code only; the database enforces it here, deletes
  -- members with their model, and carries them along when a model's upstream id is renamed.
  constraint model_group_members_model_fkey foreign key (provider_id, model_id)
    references models (provider_id, model_id) on delete cascade on update cascade
);

create index model_group_members_group_id_idx on model_group_members (group_id);
create index model_group_members_model_idx on model_group_members (provider_id, model_id);

-- Cross-instance invalidation: any change to the catalog, through the library or by hand in psql,
-- notifies channel 'model_router.<schema>'. Identical notifications within one transaction are
-- delivered once, so a cascading delete still wakes each listener a single time.
create function notify_catalog_change() returns trigger
language plpgsql as $$
begin
  perform pg_notify('model_router.' || tg_table_schema, 'catalog');
  return null;
end
$$;

create trigger providers_notify after insert or update or delete or truncate on providers
  for each statement execute function notify_catalog_change();
create trigger provider_keys_notify after insert or update or delete or truncate on provider_keys
  for each statement execute function notify_catalog_change();
create trigger models_notify after insert or update or delete or truncate on models
  for each statement execute function notify_catalog_change();
create trigger model_groups_notify after insert or update or delete or truncate on model_groups
  for each statement execute function notify_catalog_change();
create trigger model_group_members_notify after insert or update or delete or truncate on model_group_members
  for each statement execute function notify_catalog_change();

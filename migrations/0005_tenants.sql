-- Tenants (teams, customers) and their virtual API keys (#18). Keys are stored as HMAC-SHA256 under
-- a server-side pepper (never the key); `preview` is what reads show. The usage ledger gains the
-- tenant and key of each attempt: budgets are rebuilt from it when a router starts.

create table tenants (
  id text primary key,
  seq bigint generated always as identity,
  name text not null,
  allowed_models jsonb,
  tags jsonb,
  rpm bigint,
  tpm bigint,
  max_concurrent bigint,
  budgets jsonb,
  enabled boolean not null default true,
  metadata jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tenants_name_key unique (name)
);

create table virtual_keys (
  id text primary key,
  seq bigint generated always as identity,
  tenant_id text not null references tenants (id) on delete cascade,
  name text,
  preview text not null,
  key_hash text not null,
  allowed_models jsonb,
  budgets jsonb,
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint virtual_keys_key_hash_key unique (key_hash)
);

create index virtual_keys_tenant_idx on virtual_keys (tenant_id);

alter table usage_records add column tenant_id text, add column virtual_key_id text;

-- A budget's spend since the start of its period: one range scan per tenant / key.
create index usage_records_tenant_started_at_idx on usage_records (tenant_id, started_at)
  where tenant_id is not null;
create index usage_records_virtual_key_started_at_idx on usage_records (virtual_key_id, started_at)
  where virtual_key_id is not null;

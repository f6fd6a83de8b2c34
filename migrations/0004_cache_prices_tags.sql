-- Prompt-cache prices of a model, cached/written prompt tokens of a usage record (#15), and tags on
-- models and group members that a request's `tags` filter on (#15). Additive: every column has a default
-- or is nullable, so instances running the previous version keep working during a rolling deploy.

alter table models add column if not exists cache_read_cost_per_mtok double precision;
alter table models add column if not exists cache_write_cost_per_mtok double precision;
alter table models add column if not exists tags text[] not null default '{}';

alter table model_group_members add column if not exists tags text[] not null default '{}';

alter table usage_records add column if not exists cached_prompt_tokens bigint;
alter table usage_records add column if not exists cache_write_tokens bigint;

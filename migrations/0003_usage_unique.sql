-- The ledger holds exactly one row per attempt: (request_id, attempt) is a record's identity.
-- A batch whose acknowledgement was lost (a cut connection, a timeout after the commit) is retried by
-- the router; with this key, the insert's `on conflict do nothing` turns the replay into a no-op.

-- Writers of an older version keep inserting while this runs: hold them off (reads go on) so that no
-- duplicate slips in between the clean-up and the index.
lock table usage_records in share row exclusive mode;

-- Rows such replays duplicated before this migration: keep the first written of each attempt.
delete from usage_records
where id in (
  select id from (
    select id, row_number() over (partition by request_id, attempt order by id) as n
    from usage_records
  ) ranked
  where n > 1
);

create unique index usage_records_request_attempt_key on usage_records (request_id, attempt);

-- Lookups by request id use the new index's leading column; the old one only slowed writes down.
drop index if exists usage_records_request_id_idx;

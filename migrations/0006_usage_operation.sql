-- The usage ledger says what each attempt was: 'chat' (complete/stream) or 'embed' (embeddings), so
-- spend and tokens can be split by operation. Rows written before this migration were chat or embed
-- alike; they read as 'chat' (the only operation before embeddings existed) unless updated by hand.

alter table usage_records add column operation text not null default 'chat';
alter table usage_records add constraint usage_records_operation_check check (operation in ('chat', 'embed'));

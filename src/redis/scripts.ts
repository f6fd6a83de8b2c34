/*
 * The Lua scripts of the Redis quota store. Each runs atomically, so a check and its take can never
 * interleave with another instance's.
 *
 * Per quota key, two Redis keys sharing a hash tag (so a provider's keys live in one cluster slot):
 * - `<prefix>{<provider>}:<key>` — a hash: `lo` (lowest bucket in the window), `req` / `tok` (running
 *   totals), `c:<bucket>` / `t:<bucket>` (requests / tokens per bucket), `cool` / `quar` (epoch ms),
 *   `rel` (a counter of freed slots: other instances poll it to wake their waiters).
 * - `<prefix>{<provider>}:<key>:l` — a sorted set of lease ids scored by their expiry (epoch ms).
 *
 * Time is `TIME` on the Redis server (ARGV[1] = ''), or the caller's clock for tests (ARGV[1] = ms).
 * The window is the memory store's: whole buckets overlapping (now − W − B, now] (one guard bucket).
 */

import { type Script, script } from './script-runner.js';

/** Helpers every script starts with (exported for scripts kept beside the feature they serve). */
export const COMMON = `
local function now_ms(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Forget buckets that left the window; returns the new low bucket.
local function advance(h, now, W, B)
  local size = math.ceil(W / B) + 2
  local lo = math.floor((now - W) / B) - 1
  local old = tonumber(redis.call('HGET', h, 'lo'))
  if old == nil then
    redis.call('HSET', h, 'lo', lo)
    return lo
  end
  if lo <= old then return old end
  local req, tok = 0, 0
  for i = old, math.min(lo, old + size) - 1 do
    local c = redis.call('HGET', h, 'c:' .. i)
    if c then
      req = req + tonumber(c)
      tok = tok + (tonumber(redis.call('HGET', h, 't:' .. i)) or 0)
      redis.call('HDEL', h, 'c:' .. i, 't:' .. i)
    end
  end
  if req > 0 then redis.call('HINCRBY', h, 'req', -req) end
  if tok ~= 0 then redis.call('HINCRBY', h, 'tok', -tok) end
  redis.call('HSET', h, 'lo', lo)
  return lo
end

-- Drop expired leases (a crashed holder's); each one frees a slot.
local function purge(h, z, now)
  local n = redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
  if n > 0 then redis.call('HINCRBY', h, 'rel', n) end
  return n
end

-- A key's state after the script, in the order the client's cache reads it.
local function state(h, z, now)
  local v = redis.call('HMGET', h, 'req', 'tok', 'cool', 'quar', 'rel')
  return { tonumber(v[1]) or 0, tonumber(v[2]) or 0, redis.call('ZCARD', z),
    tonumber(v[3]) or 0, tonumber(v[4]) or 0, tonumber(v[5]) or 0 }
end

-- Idle keys expire once their window, cooldown and quarantine are over.
local function keep(h, now, W, B)
  local v = redis.call('HMGET', h, 'cool', 'quar')
  local until_ms = math.max(tonumber(v[1]) or 0, tonumber(v[2]) or 0) - now
  redis.call('PEXPIRE', h, math.max(until_ms, 0) + W + B + 60000)
end
`;

/**
 * KEYS: per candidate, its hash and its lease set. ARGV: now, W, B, tokens, leaseTtlMs, leaseId, then per
 * candidate rpm, tpm, maxConcurrent (-1 = unlimited).
 * Returns { 1, now, index, bucket, ...state } on success, or { 0, now, then per candidate: reason, wait,
 * ...state } where reason is 1 quarantined, 2 cooling, 3 rpm, 4 tpm, 5 concurrency and wait is ms (-1:
 * concurrency only, -2: never).
 */
export const RESERVE: Script = script(`${COMMON}
local now = now_ms(ARGV[1])
local W, B, tokens, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local function wait_fits(h, lo, field, total, need, limit)
  local excess = total + need - limit
  if excess <= 0 then return 0 end
  if need > limit then return -2 end
  for i = lo, math.floor(now / B) do
    local v = tonumber(redis.call('HGET', h, field .. i))
    if v then
      excess = excess - v
      if excess <= 0 then return math.max(1, (i + 2) * B + W - now) end
    end
  end
  return -2
end
local out = { 0, now }
for i = 1, #KEYS / 2 do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local rpm, tpm, maxc = tonumber(ARGV[4 + 3 * i]), tonumber(ARGV[5 + 3 * i]), tonumber(ARGV[6 + 3 * i])
  local lo = advance(h, now, W, B)
  purge(h, z, now)
  local s = state(h, z, now)
  local req, tok, inflight, cool, quar = s[1], s[2], s[3], s[4], s[5]
  local need = tokens
  if tpm >= 0 and need > tpm then need = tpm end
  if cool <= now and quar <= now and (maxc < 0 or inflight < maxc)
    and (rpm < 0 or req + 1 <= rpm) and (tpm < 0 or tok + need <= tpm) then
    local bucket = math.floor(now / B)
    redis.call('HINCRBY', h, 'c:' .. bucket, 1)
    redis.call('HINCRBY', h, 't:' .. bucket, tokens)
    redis.call('HINCRBY', h, 'req', 1)
    redis.call('HINCRBY', h, 'tok', tokens)
    redis.call('ZADD', z, now + ttl, ARGV[6])
    redis.call('PEXPIRE', z, ttl * 2)
    keep(h, now, W, B)
    local res = { 1, now, i, bucket }
    for _, v in ipairs(state(h, z, now)) do res[#res + 1] = v end
    return res
  end
  local reason, wait = 5, 0
  local function consider(r, ms)
    if ms == -2 and wait >= 0 then reason, wait = r, -2
    elseif wait >= 0 and ms > wait then reason, wait = r, ms end
  end
  consider(1, quar - now)
  consider(2, cool - now)
  if rpm >= 0 then consider(3, wait_fits(h, lo, 'c:', req, 1, rpm)) end
  if tpm >= 0 then consider(4, wait_fits(h, lo, 't:', tok, need, tpm)) end
  if reason == 5 then wait = -1 end
  out[#out + 1] = reason
  out[#out + 1] = wait
  for _, v in ipairs(s) do out[#out + 1] = v end
end
return out
`);

/**
 * KEYS: hash, lease set. ARGV: now, W, B, leaseId, bucket, token delta ('' = keep the reservation),
 * block ms (from the provider's rate-limit view; 0 = none). Returns { removed, now, ...state }.
 */
export const SETTLE: Script = script(`${COMMON}
local h, z = KEYS[1], KEYS[2]
local now = now_ms(ARGV[1])
local W, B = tonumber(ARGV[2]), tonumber(ARGV[3])
local lo = advance(h, now, W, B)
local removed = redis.call('ZREM', z, ARGV[4])
if removed > 0 then redis.call('HINCRBY', h, 'rel', 1) end
purge(h, z, now)
if ARGV[6] ~= '' then
  local bucket, delta = tonumber(ARGV[5]), tonumber(ARGV[6])
  local cur = tonumber(redis.call('HGET', h, 't:' .. bucket))
  -- A bucket that left the window no longer counts: nothing to correct.
  if cur and bucket >= lo then
    if delta < -cur then delta = -cur end
    redis.call('HINCRBY', h, 't:' .. bucket, delta)
    redis.call('HINCRBY', h, 'tok', delta)
  end
end
local block = tonumber(ARGV[7])
if block > 0 then
  local cool = tonumber(redis.call('HGET', h, 'cool')) or 0
  if now + block > cool then redis.call('HSET', h, 'cool', now + block) end
end
keep(h, now, W, B)
local res = { removed, now }
for _, v in ipairs(state(h, z, now)) do res[#res + 1] = v end
return res
`);

/**
 * Extend-only deadline, or clear. KEYS: hash, lease set. ARGV: now, W, B, field ('cool' | 'quar' | 'clear'),
 * ms. Returns { now, ...state }.
 */
export const BLOCK: Script = script(`${COMMON}
local h, z = KEYS[1], KEYS[2]
local now = now_ms(ARGV[1])
local W, B, field, ms = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
advance(h, now, W, B)
if field == 'clear' then
  redis.call('HDEL', h, 'cool', 'quar')
elseif ms > 0 then
  local cur = tonumber(redis.call('HGET', h, field)) or 0
  if now + ms > cur then redis.call('HSET', h, field, now + ms) end
end
keep(h, now, W, B)
local res = { now }
for _, v in ipairs(state(h, z, now)) do res[#res + 1] = v end
return res
`);

/**
 * For waiters: purge expired leases and read the release counters. KEYS: hash, lease set per key.
 * ARGV: now. Returns { now, then per key: rel, inFlight }.
 */
export const POLL: Script = script(`${COMMON}
local now = now_ms(ARGV[1])
local out = { now }
for i = 1, #KEYS / 2 do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  purge(h, z, now)
  out[#out + 1] = tonumber(redis.call('HGET', h, 'rel')) or 0
  out[#out + 1] = redis.call('ZCARD', z)
end
return out
`);

/**
 * Push the expiry of live leases. KEYS: lease sets. ARGV: now, ttl, one lease id per key. A lease that
 * already expired is not brought back (its slot may be someone else's now). Returns 1/0 per lease.
 */
export const RENEW: Script = script(`${COMMON}
local now = now_ms(ARGV[1])
local ttl = tonumber(ARGV[2])
local out = {}
for i = 1, #KEYS do
  local z, id = KEYS[i], ARGV[2 + i]
  if redis.call('ZSCORE', z, id) then
    redis.call('ZADD', z, 'XX', now + ttl, id)
    redis.call('PEXPIRE', z, ttl * 2)
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`);

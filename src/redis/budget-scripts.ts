/*
 * The Lua scripts of budgets on Redis (#18 part 2). Per tenant (the hash tag: one cluster slot each):
 * - `<prefix>b{<tenant>}:l` — a hash: lease id → "<amount> <counter key> …" (what a hold took, where).
 * - `<prefix>b{<tenant>}:z` — a sorted set of lease ids by expiry (a dead holder's hold comes back).
 * - `<prefix>b{<tenant>}:c:<counter>` — a hash: `h` (held, nano-USD), `s` (spent in a calendar period
 *   or in total), `b:<bucket>` (spent per bucket of a rolling window), `seed` (seeded from the ledger).
 * Amounts are integers (nano-USD); every value written goes through `int` (Lua would print 1e+15).
 */
import { type Script, script } from './script-runner.js';

const HELPERS = `
local function now_ms(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(x) return string.format('%d', x) end
local function size_of(W) return math.max(1, math.ceil(W / 60)) end
-- Give back the holds of leases past their expiry (their holder died without settling).
local function purge(L, Z, now)
  local ids = redis.call('ZRANGEBYSCORE', Z, '-inf', now)
  for _, id in ipairs(ids) do
    local v = redis.call('HGET', L, id)
    if v then
      local amount = nil
      for part in string.gmatch(v, '%S+') do
        if amount == nil then amount = tonumber(part)
        elseif redis.call('EXISTS', part) == 1 then redis.call('HINCRBY', part, 'h', int(-amount)) end
      end
      redis.call('HDEL', L, id)
    end
    redis.call('ZREM', Z, id)
  end
end
-- Spent in the period (s) or the window (buckets at or after the window's low one; older ones go).
local function spent_of(C, W, now)
  if W <= 0 then return tonumber(redis.call('HGET', C, 's')) or 0, nil end
  local size = size_of(W)
  local low = math.floor((now - W) / size)
  local all = redis.call('HGETALL', C)
  local spent, oldest = 0, nil
  for i = 1, #all, 2 do
    local f = all[i]
    if string.sub(f, 1, 2) == 'b:' then
      local b = tonumber(string.sub(f, 3))
      if b < low then redis.call('HDEL', C, f) else
        spent = spent + tonumber(all[i + 1])
        if oldest == nil or b < oldest then oldest = b end
      end
    end
  end
  return spent, oldest
end
local function add(C, W, at, amount)
  if W > 0 then redis.call('HINCRBY', C, 'b:' .. int(math.floor(at / size_of(W))), int(amount))
  else redis.call('HINCRBY', C, 's', int(amount)) end
end
-- A calendar counter lives an hour past its period (on the script's clock); a rolling one two windows
-- past its last write.
local function keep(C, W, ends, now)
  if ends > 0 then redis.call('PEXPIRE', C, int(math.max(ends - now, 0) + 3600000))
  elseif W > 0 then redis.call('PEXPIRE', C, int(W * 2 + 3600000)) end
end
`;

/**
 * KEYS: leases hash, expiry set, then each counter. ARGV: now, lease id, amount, ttl ms, then per
 * counter: limit, window ms (-1: none), period end (-1: none).
 * Returns { 1 } or { 0, counter index (1-based), spent, held, wait ms (-1: never) }.
 */
export const BUDGET_RESERVE: Script = script(`${HELPERS}
local now = now_ms(ARGV[1])
purge(KEYS[1], KEYS[2], now)
local amount = tonumber(ARGV[3])
for i = 3, #KEYS do
  local a = 5 + (i - 3) * 3
  local limit, W, ends = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local spent, oldest = spent_of(KEYS[i], W, now)
  local held = tonumber(redis.call('HGET', KEYS[i], 'h')) or 0
  if spent + held >= limit or spent + held + amount > limit then
    local wait = -1
    if ends > 0 then wait = math.max(1, ends - now)
    elseif W > 0 and oldest ~= nil then wait = math.max(1, (oldest + 1) * size_of(W) + W - now) end
    return { 0, i - 2, spent, held, wait }
  end
end
local taken = { ARGV[3] }
for i = 3, #KEYS do
  local a = 5 + (i - 3) * 3
  redis.call('HINCRBY', KEYS[i], 'h', ARGV[3])
  keep(KEYS[i], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), now)
  taken[#taken + 1] = KEYS[i]
end
local ttl = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], ARGV[2], table.concat(taken, ' '))
redis.call('ZADD', KEYS[2], int(now + ttl), ARGV[2])
redis.call('PEXPIRE', KEYS[1], int(ttl + 3600000))
redis.call('PEXPIRE', KEYS[2], int(ttl + 3600000))
return { 1 }
`);

/**
 * KEYS: leases hash, expiry set, then each counter of the lease. ARGV: now, lease id, actual, then per
 * counter: window ms (-1: none), period end (-1: none). The hold goes back (unless it expired and was
 * given back already) and the actual cost is counted either way. Returns { 1 } when the hold was there.
 */
export const BUDGET_SETTLE: Script = script(`${HELPERS}
local now = now_ms(ARGV[1])
local v = redis.call('HGET', KEYS[1], ARGV[2])
if v then
  local amount = tonumber(string.match(v, '^%S+'))
  for i = 3, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('HINCRBY', KEYS[i], 'h', int(-amount)) end
  end
  redis.call('HDEL', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[2])
end
local actual = tonumber(ARGV[3])
if actual > 0 then
  for i = 3, #KEYS do
    local a = 4 + (i - 3) * 2
    local W, ends = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
    add(KEYS[i], W, now, actual)
    keep(KEYS[i], W, ends, now)
  end
end
if v then return { 1 } end
return { 0 }
`);

/**
 * KEYS: one counter. ARGV: now, window ms (-1: none), period end (-1: none), then pairs of epoch ms and
 * nano-USD. Seeds a counter that does not exist yet; one that does (another instance's) stays as it is.
 */
export const BUDGET_SEED: Script = script(`${HELPERS}
if redis.call('EXISTS', KEYS[1]) == 1 then return { 0 } end
local now = now_ms(ARGV[1])
local W, ends = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'seed', '1')
for i = 4, #ARGV, 2 do
  local amount = tonumber(ARGV[i + 1])
  if amount > 0 then add(KEYS[1], W, tonumber(ARGV[i]), amount) end
end
keep(KEYS[1], W, ends, now)
return { 1 }
`);

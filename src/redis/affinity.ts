import { type AffinityTarget, parseAffinityTarget } from '../affinity/affinity-entry.js';
import { type Script, script } from './script-runner.js';

/** Read an entry; with a TTL argument, slide its expiry in the same round trip. */
export const AFFINITY_GET: Script = script(`
local v = redis.call('GET', KEYS[1])
if v and ARGV[1] ~= '' then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
return v
`);

export const AFFINITY_SET: Script = script(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1
`);

type Run = (
  target: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
) => Promise<unknown>;

/**
 * Affinity entries as Redis strings with a TTL, one key per entry: `<prefix>aff:{<id>}`. The hash tag
 * is the id alone, so on a Cluster entries spread over every slot (each command touches one key).
 * A failure rejects (the router reports it and routes without affinity); it never blocks the request.
 */
export function redisAffinity(prefix: string, run: Run) {
  const keyOf = (id: string) => `${prefix}aff:{${id}}`;
  return {
    async getAffinity(id: string, slideMs?: number): Promise<AffinityTarget | undefined> {
      const reply = await run(AFFINITY_GET, [keyOf(id)], [slideMs === undefined ? '' : Math.ceil(slideMs)]);
      return parseAffinityTarget(reply);
    },
    async setAffinity(id: string, target: AffinityTarget, ttlMs: number): Promise<void> {
      const value = JSON.stringify({
        providerId: target.providerId,
        modelId: target.modelId,
        keyId: target.keyId,
      });
      await run(AFFINITY_SET, [keyOf(id)], [value, Math.max(1, Math.ceil(ttlMs))]);
    },
  };
}

import { afterAll, describe, it } from 'vitest';
import { redisQuota } from '../../src/redis/index.js';
import { BUCKET_MS, checkQuotaProperties, WINDOW_MS } from '../quota/quota-properties.js';
import { connect, deleteKeys, REDIS_URL, testPrefix } from './redis-env.js';

describe.skipIf(!REDIS_URL)('redisQuota: properties', () => {
  const client = REDIS_URL ? connect() : undefined;
  const root = testPrefix('property');
  let run = 0;

  afterAll(async () => {
    if (!client) return;
    await deleteKeys(client, root);
    await client.quit();
  });

  it('windows never exceed limits, counters never go negative, accounting is exact', async () => {
    // Each run on a prefix of its own, deleted afterwards; the manual clock stands in for Redis TIME.
    await checkQuotaProperties(
      async (clock) => {
        const prefix = `${root}${++run}:`;
        return {
          quota: redisQuota({ client: client!, prefix, clock, windowMs: WINDOW_MS, bucketMs: BUCKET_MS }),
          cleanup: () => deleteKeys(client!, prefix),
        };
      },
      { numRuns: 60, exactView: false },
    );
  }, 60_000);
});

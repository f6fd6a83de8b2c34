import { afterAll, describe, it } from 'vitest';
import { redisQuota } from '../../src/redis/index.js';
import { quotaContract } from '../../src/testing/quota-contract/index.js';
import { connect, deleteKeys, REDIS_URL, testPrefix } from './redis-env.js';

describe.skipIf(!REDIS_URL)('redisQuota: quota contract', () => {
  const client = REDIS_URL ? connect() : undefined;
  const root = testPrefix('contract');
  let cases = 0;

  afterAll(async () => {
    if (!client) return;
    await deleteKeys(client, root);
    await client.quit();
  });

  // The contract drives a manual clock: the store takes it instead of Redis TIME (its `clock` option).
  const contract = quotaContract(({ clock, windowMs }) => {
    cases += 1;
    return { quota: redisQuota({ client: client!, prefix: `${root}${cases}:`, clock, windowMs }) };
  });
  for (const c of contract) it(c.name, c.run);
});

import { describe, it } from 'vitest';
import { memoryQuota } from '../../src/quota/memory-quota.js';
import { BUCKET_MS, checkQuotaProperties, WINDOW_MS } from './quota-properties.js';

describe('memoryQuota: properties', () => {
  it('windows never exceed limits, counters never go negative, accounting is exact', async () => {
    await checkQuotaProperties(
      async (clock) => ({ quota: memoryQuota({ clock, windowMs: WINDOW_MS, bucketMs: BUCKET_MS }) }),
      {
        numRuns: 300,
        exactView: true,
      },
    );
  });
});

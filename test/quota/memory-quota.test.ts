import { describe, expect, it, vi } from 'vitest';
import { RouterError } from '../../src/errors/router-error.js';
import { memoryQuota } from '../../src/quota/memory-quota.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { quotaContract } from '../../src/testing/quota-contract/index.js';

describe('memoryQuota: quota contract', () => {
  for (const c of quotaContract(({ clock, windowMs }) => ({ quota: memoryQuota({ clock, windowMs }) }))) {
    it(c.name, c.run);
  }
});

describe('memoryQuota', () => {
  it('rejects invalid options naming the field', () => {
    expect(() => memoryQuota({ windowMs: 0 })).toThrowError(/windowMs/);
    expect(() => memoryQuota({ windowMs: 1_000, bucketMs: 2_000 })).toThrowError(/bucketMs/);
  });

  it('refuses new reservations once closed, but still settles old leases', async () => {
    const quota = memoryQuota({ clock: manualClock() });
    const key = { providerId: 'p', keyId: 'k', maxConcurrent: 1 };
    const result = await quota.reserve({ keys: [key], tokens: 0 });
    await quota.close?.();
    await expect(quota.reserve({ keys: [key], tokens: 0 })).rejects.toSatisfy(
      (error) => RouterError.isInstance(error) && error.code === 'CLOSED',
    );
    if (result.ok) await quota.settle(result.lease);
    expect(quota.accounting?.()).toEqual({ acquired: 1, released: 1, outstanding: 0, doubleReleases: 0 });
  });

  it('counts a lease of another store as a double release and changes nothing', async () => {
    const clock = manualClock();
    const a = memoryQuota({ clock });
    const b = memoryQuota({ clock });
    const key = { providerId: 'p', keyId: 'k', maxConcurrent: 1 };
    const result = await a.reserve({ keys: [key], tokens: 0 });
    if (!result.ok) throw new Error('expected a lease');
    await b.settle(result.lease);
    expect(b.accounting?.()).toMatchObject({ released: 0, doubleReleases: 1 });
    expect(a.view(key).inFlight).toBe(1);
  });

  it('keeps a lease free of internals when logged', async () => {
    const quota = memoryQuota({ clock: manualClock(5_000) });
    const result = await quota.reserve({ keys: [{ providerId: 'p', keyId: 'k' }], tokens: 7 });
    if (!result.ok) throw new Error('expected a lease');
    expect(JSON.parse(JSON.stringify(result.lease))).toEqual({
      leaseId: result.lease.leaseId,
      providerId: 'p',
      keyId: 'k',
      tokens: 7,
      reservedAt: 5_000,
    });
  });
});

describe('memoryQuota: timers', () => {
  it('leaves no timer behind after a wake, an abort or a timeout', async () => {
    vi.useFakeTimers();
    try {
      const quota = memoryQuota({ clock: manualClock() });
      const key = { providerId: 'p', keyId: 'k', maxConcurrent: 1 };
      const result = await quota.reserve({ keys: [key], tokens: 0 });
      if (!result.ok) throw new Error('expected a lease');

      const woken = quota.waitForCapacity([key], 30_000);
      expect(vi.getTimerCount()).toBe(1);
      await quota.settle(result.lease);
      await woken;
      expect(vi.getTimerCount()).toBe(0);

      const controller = new AbortController();
      const aborted = quota.waitForCapacity([key], 30_000, controller.signal);
      controller.abort(new Error('stop'));
      await expect(aborted).rejects.toThrow('stop');
      expect(vi.getTimerCount()).toBe(0);

      const timedOut = quota.waitForCapacity([key], 30_000);
      await vi.advanceTimersByTimeAsync(30_000);
      await timedOut;
      expect(vi.getTimerCount()).toBe(0);
      expect(quota.view(key).queued).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

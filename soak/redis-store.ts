import { Redis } from 'ioredis';
import type { QuotaKey } from '../src/index.js';
import { type RedisQuotaStore, redisQuota } from '../src/redis/index.js';
import { soakCatalog } from './catalog.js';

/**
 * The Redis quota store of a soak run: a client of its own, a prefix no other run shares, and the
 * checks of what Redis itself holds. The router closes the store; `dispose()` deletes the prefix's keys
 * and quits the client (the store borrows it and never quits it).
 */
export class SoakRedis {
  readonly store: RedisQuotaStore;

  private constructor(
    private readonly client: Redis,
    readonly prefix: string,
  ) {
    // The soak's one-second windows, as the memory store runs them.
    this.store = redisQuota({ client, prefix, windowMs: 1_000 });
  }

  static async open(url: string, seed: number): Promise<SoakRedis> {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return new SoakRedis(client, `mr:soak:${seed}:${process.pid}:${Date.now().toString(36)}:`);
  }

  /** Every key of this run in Redis. */
  async keys(): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1_000);
      cursor = next;
      out.push(...batch);
    } while (cursor !== '0');
    return out;
  }

  /**
   * What is still in flight, as Redis holds it (live leases in each key's lease set) and as the store's
   * own view reports it (`view().inFlight`, `queued`) for every key of the catalog.
   */
  async inFlight(): Promise<string[]> {
    const out: string[] = [];
    for (const key of await this.keys()) {
      if (!key.endsWith(':l')) continue;
      const n = await this.client.zcard(key);
      if (n !== 0) out.push(`redis ${key.slice(this.prefix.length)}: ${n} lease(s)`);
    }
    for (const provider of soakCatalog().providers ?? []) {
      for (const k of provider.keys ?? []) {
        const view = this.store.view({ providerId: provider.id, keyId: k.id } as QuotaKey);
        if (view.inFlight !== 0 || view.queued !== 0)
          out.push(`store view ${provider.id}/${k.id}: inFlight ${view.inFlight} queued ${view.queued}`);
      }
    }
    return out;
  }

  /** Delete the run's keys, then quit the client; returns how many keys were left afterwards. */
  async dispose(): Promise<{ deleted: number; left: number }> {
    let deleted = 0;
    let left = 0;
    try {
      const keys = await this.keys();
      for (let i = 0; i < keys.length; i += 500) deleted += await this.client.del(...keys.slice(i, i + 500));
      left = (await this.keys()).length;
    } finally {
      await this.client.quit().catch(() => this.client.disconnect());
    }
    return { deleted, left };
  }

  /** On an exception: drop the connection without waiting. */
  disconnect(): void {
    this.client.disconnect();
  }
}

import type { RouterEmitter } from '../events.js';
import { RouterError } from '../errors/router-error.js';
import type { QuotaStore } from '../quota/quota-store.js';
import type { RouterStorage } from '../storage/storage.js';
import { opaque } from '../util/opaque.js';
import { CatalogCache } from './cache.js';
import { counts } from './counts.js';
import type { Catalog } from './types.js';

type Reason = 'load' | 'refresh' | 'write' | 'subscribe';

/**
 * The router's in-memory catalog: loaded once (lazily, retried after a failure), replaced whole on
 * the router's own writes, on storage notifications and on `refresh()`. Requests read `cache`
 * synchronously and never wait on storage.
 */
export class CatalogHolder {
  cache: CatalogCache | undefined;
  private loading: Promise<CatalogCache> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly storage: RouterStorage,
    private readonly quota: QuotaStore,
    private readonly emitter: RouterEmitter,
  ) {
    opaque(this, 'CatalogHolder', () => (this.cache ? counts(this.cache.catalog) : { loaded: false }));
  }

  /** The loaded catalog, loading it first if needed. */
  ready(): Promise<CatalogCache> {
    if (this.cache) return Promise.resolve(this.cache);
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined; // a later call may retry
      throw error;
    });
    return this.loading;
  }

  /** Replace the cache with what the storage holds now. */
  async reload(reason: Exclude<Reason, 'load'>): Promise<void> {
    await this.ready();
    const previous = this.cache;
    this.cache = new CatalogCache(await this.fetch('Could not reload the catalog'));
    this.reportUnusable(previous, this.cache);
    if (previous) await this.forgetChangedKeys(previous, this.cache);
    this.emitCatalog(reason);
  }

  /** Stop listening to the storage. */
  async close(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async load(): Promise<CatalogCache> {
    try {
      await this.storage.init?.();
    } catch (error) {
      throw storageError('Could not initialise the storage', error);
    }
    this.cache = new CatalogCache(await this.fetch('Could not load the catalog'));
    this.reportUnusable(undefined, this.cache);
    this.emitCatalog('load');
    if (this.storage.subscribe && !this.unsubscribe) {
      this.unsubscribe = await this.storage.subscribe(() => {
        this.reload('subscribe').catch((error: unknown) =>
          this.emitter.emit('error', { source: 'catalog', error }),
        );
      });
    }
    return this.cache;
  }

  private async fetch(what: string): Promise<Catalog> {
    try {
      return await this.storage.loadCatalog();
    } catch (error) {
      throw storageError(what, error);
    }
  }

  /** A key whose secret or limits changed starts afresh: its cooldown and quarantine are lifted. */
  private async forgetChangedKeys(before: CatalogCache, after: CatalogCache): Promise<void> {
    if (!this.quota.clear) return;
    for (const p of after.catalog.providers) {
      const old = before.providers.get(p.id);
      if (!old) continue;
      for (const k of p.keys) {
        const prev = old.keys.find((x) => x.id === k.id);
        if (prev && prev.updatedAt !== k.updatedAt) {
          await this.quota
            .clear({ providerId: p.id, keyId: k.id })
            .catch((error: unknown) => this.emitter.emit('error', { source: 'quota', error }));
        }
      }
    }
  }

  /**
   * A key the storage could not read (see `ProviderKey.unusable`) is skipped, not fatal: say so once,
   * through the `error` event with its ids, when it first shows up in a loaded catalog.
   */
  private reportUnusable(before: CatalogCache | undefined, after: CatalogCache): void {
    for (const p of after.catalog.providers) {
      for (const k of p.keys) {
        if (k.unusable === undefined) continue;
        const old = before?.providers.get(p.id)?.keys.find((x) => x.id === k.id);
        if (old?.unusable !== undefined && old.updatedAt === k.updatedAt) continue;
        this.emitter.emit('error', {
          source: 'catalog',
          error: new RouterError('STORAGE_ERROR', `${k.unusable}; the key is skipped`, {
            details: { providerId: p.id, keyId: k.id, reason: 'unusable_key' },
          }),
        });
      }
    }
  }

  private emitCatalog(reason: Reason): void {
    if (!this.cache || !this.emitter.has('catalog')) return;
    const c = this.cache.catalog;
    this.emitter.emit('catalog', {
      reason,
      groups: c.groups.length,
      models: c.models.length,
      providers: c.providers.length,
    });
  }
}

/** The storage's own error (it may quote a connection string) stays the cause, never the message. */
function storageError(message: string, error: unknown): RouterError {
  if (RouterError.isInstance(error)) return error;
  return new RouterError('STORAGE_ERROR', message, { cause: error });
}

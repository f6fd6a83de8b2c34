import { RouterError } from '../errors/router-error.js';
import type { RedisLease } from './redis-lease.js';
import type { RemoteKey, RemoteKeys } from './remote-key.js';
import type { ResolvedRedisQuotaOptions } from './resolve-options.js';
import type { Script } from './script-runner.js';
import { POLL, RENEW } from './scripts.js';
import { Ticker } from './ticker.js';

export interface UpkeepContext {
  config: ResolvedRedisQuotaOptions;
  keys: RemoteKeys;
  live: ReadonlySet<RedisLease>;
  run(target: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<number[]>;
  timeArg(): string;
  sawTime(serverNow: number | undefined): void;
  healthy(): boolean;
  failed(error: unknown): void;
  report(error: RouterError): void;
}

export interface Upkeep {
  /** Asks Redis for releases by other instances while local callers wait for a slot. */
  poller: Ticker;
  /**
   * Ask Redis, on the poller's next run, for the in-flight count of a key read a while ago (other
   * instances' releases reach this one only through Redis), so that `view()` does not stay stale.
   */
  refresh(key: RemoteKey): void;
  /** Pushes the expiry of this instance's live leases while there are any. */
  renewer: Ticker;
  stop(): void;
}

/** Group by provider: one script per group, since a provider's keys share one cluster slot. */
function byProvider<T>(items: Iterable<T>, providerOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const provider = providerOf(item);
    const group = groups.get(provider);
    if (group === undefined) groups.set(provider, [item]);
    else group.push(item);
  }
  return groups;
}

/**
 * The store's two bounded background tasks. Neither runs while idle (no waiter, no live lease), neither
 * overlaps itself, and their timers never keep the process alive.
 */
export function startUpkeep(context: UpkeepContext): Upkeep {
  const { config, keys, live } = context;

  const stale = new Set<RemoteKey>();
  const polledKeys = (): RemoteKey[] => {
    const out = [...keys.all()].filter((key) => key.waiters.size > 0 || stale.has(key));
    stale.clear();
    return out;
  };

  const poller = new Ticker(
    config.pollIntervalMs,
    async () => {
      if (!context.healthy()) return;
      for (const group of byProvider(polledKeys(), (key) => key.providerId).values()) {
        try {
          const reply = await context.run(
            POLL,
            group.flatMap((key) => [key.hash, key.leases]),
            [context.timeArg()],
          );
          context.sawTime(reply[0]);
          group.forEach((key, index) => {
            key.inFlight = reply[2 + 2 * index] ?? key.inFlight;
            key.inFlightAt = reply[0] ?? key.inFlightAt;
            key.noteReleased(reply[1 + 2 * index] ?? key.released);
          });
        } catch (error) {
          context.failed(error);
          return;
        }
      }
    },
    () => stale.size > 0 || [...keys.all()].some((key) => key.waiters.size > 0),
  );

  const renewer = new Ticker(
    Math.max(1, Math.floor(config.leaseTtlMs / 3)),
    async () => {
      if (!context.healthy()) return;
      for (const group of byProvider(live, (lease) => lease.providerId).values()) {
        try {
          const reply = await context.run(
            RENEW,
            group.map((lease) => keys.get(lease).leases),
            [context.timeArg(), config.leaseTtlMs, ...group.map((lease) => lease.leaseId)],
          );
          group.forEach((lease, index) => {
            if (reply[index] === 0 && live.has(lease)) {
              context.report(
                new RouterError(
                  'STORAGE_ERROR',
                  `Lease ${lease.leaseId} expired in Redis while still in use`,
                  {
                    details: { providerId: lease.providerId, keyId: lease.keyId },
                  },
                ),
              );
            }
          });
        } catch (error) {
          context.failed(error);
          return;
        }
      }
    },
    () => live.size > 0,
  );

  return {
    poller,
    refresh(key) {
      stale.add(key);
      poller.ensure();
    },
    renewer,
    stop() {
      poller.stop();
      renewer.stop();
    },
  };
}

import type { RemoteKey } from './remote-key.js';
import { type Script, script } from './script-runner.js';
import { Ticker } from './ticker.js';

/**
 * KEYS: per key, its hash and its lease set. ARGV: a lease id. Removes that lease wherever it is and
 * counts each removal as a freed slot (other instances' waiters poll that counter). Returns { removed }.
 */
export const RELEASE: Script = script(`
local removed = 0
for i = 1, #KEYS / 2 do
  if redis.call('ZREM', KEYS[2 * i], ARGV[1]) > 0 then
    redis.call('HINCRBY', KEYS[2 * i - 1], 'rel', 1)
    removed = removed + 1
  end
end
return { removed }
`);

interface Orphan {
  keys: readonly RemoteKey[];
  /** Kept on purpose until the local lease that stands in for it is settled. */
  held: boolean;
  /** The lost command's fate is sealed (late reply, or final failure): it cannot run any more. */
  sealed: boolean;
  /** `Date.now()` when it was lost. */
  since: number;
}

export interface OrphanDeps {
  run(target: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<number[]>;
  /** How long Redis keeps a lease nobody renews: past it, an orphan has expired there by itself. */
  leaseTtlMs: number;
  retryMs: number;
  /** A slot came back on `key` (wake one local waiter). */
  freed(key: RemoteKey): void;
}

/**
 * Leases that a reserve (or a settle) may have left in Redis without the client knowing: the script
 * was sent, but its reply came too late (`commandTimeoutMs`) or never. Each is released by its lease
 * id — which the client chose, so it can name it without the reply. A reserve's orphan may be `held`
 * until the local lease serving that request instead is settled: meanwhile the slot it may hold in
 * Redis counts that request for the other instances, which is right. Then it is released:
 * - at once, on the same connection: Redis runs commands in order, so the release runs after the lost
 *   script if that one reached Redis at all;
 * - again once the lost command's fate is sealed (its late reply, or ioredis giving it up), for the
 *   paths where it could still run after the first release (a `NOSCRIPT` retry, a resend on reconnect);
 * - and every `retryMs` while Redis cannot be reached, until `leaseTtlMs` has passed (then Redis has
 *   expired the lease by itself).
 * Releasing a lease that is not there does nothing, so a reserve that never ran costs one round trip.
 */
export class Orphans {
  private readonly pending = new Map<string, Orphan>();
  private readonly ticker: Ticker;

  constructor(private readonly deps: OrphanDeps) {
    this.ticker = new Ticker(
      deps.retryMs,
      async () => {
        for (const [leaseId, orphan] of [...this.pending]) {
          if (orphan.held) continue;
          if (Date.now() - orphan.since > deps.leaseTtlMs) this.pending.delete(leaseId);
          else await this.release(leaseId, orphan);
        }
      },
      () => [...this.pending.values()].some((orphan) => !orphan.held),
    );
  }

  add(leaseId: string, keys: readonly RemoteKey[], sealed: Promise<void>, held?: Promise<void>): void {
    const orphan: Orphan = { keys, held: held !== undefined, sealed: false, since: Date.now() };
    this.pending.set(leaseId, orphan);
    void sealed.then(() => {
      orphan.sealed = true;
      return this.release(leaseId, orphan);
    });
    if (held === undefined) void this.release(leaseId, orphan);
    else {
      void held.then(() => {
        orphan.held = false;
        orphan.since = Date.now();
        this.ticker.ensure();
        return this.release(leaseId, orphan);
      });
    }
    this.ticker.ensure();
  }

  /** Orphans not yet known to be released (for tests and leak checks). */
  get size(): number {
    return this.pending.size;
  }

  stop(): void {
    this.ticker.stop();
    this.pending.clear();
  }

  private async release(leaseId: string, orphan: Orphan): Promise<void> {
    if (this.pending.get(leaseId) !== orphan || orphan.held) return;
    const sealedBefore = orphan.sealed;
    let removed: number;
    try {
      [removed = 0] = await this.deps.run(
        RELEASE,
        orphan.keys.flatMap((key) => [key.hash, key.leases]),
        [leaseId],
      );
    } catch {
      return; // Redis still unreachable: the ticker tries again
    }
    if (removed > 0) for (const key of orphan.keys) this.deps.freed(key);
    // Done once a release ran after the lost command could no longer run.
    if (sealedBefore) this.pending.delete(leaseId);
  }
}

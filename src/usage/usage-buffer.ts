import type { RouterStorage, UsageBatching } from '../storage/storage.js';
import type { UsageRecord } from '../types/usage-record.js';
import { SerialQueue } from './serial-queue.js';

export interface UsageBufferOptions extends Required<UsageBatching> {
  /** Called with records that could not be written (dropped past `maxBuffered`, or failing at close). */
  onLost: (error: unknown, records: UsageRecord[]) => void;
  /** Called when a write failed and will be retried. */
  onRetry: (error: unknown) => void;
}

export const DEFAULT_BATCHING: Required<UsageBatching> = {
  maxBatch: 500,
  flushMs: 1000,
  maxBuffered: 100_000,
};

/**
 * Batches usage records in front of `storage.recordUsage`, off the request's path: one write in
 * flight at a time (a serial queue), a batch at most every `flushMs` or when `maxBatch`
 * records wait, retries with backoff on failure, bounded memory (the oldest are dropped past
 * `maxBuffered`, and reported — never lost silently).
 */
export class UsageBuffer {
  private pending: UsageRecord[] = [];
  private readonly writes = new SerialQueue();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  /** A batch write is in flight (at most one: the ledger sees batches in order). */
  private writing = false;
  private inflight: Promise<void> | undefined;
  /**
   * Batches handed to the storage and not settled yet (a background write and flush's own), so that
   * `flush` can report all of them if the storage never answers.
   */
  private readonly unconfirmed = new Set<UsageRecord[]>();
  /** `flush` (close) ran: no more background writes, and a late failure is not re-queued. */
  private closed = false;
  /** `flush` ran out of time and reported what was left. */
  private givenUp = false;

  constructor(
    private readonly storage: RouterStorage,
    private readonly options: UsageBufferOptions,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(record: UsageRecord): void {
    if (this.closed) {
      this.options.onLost(new Error('usage record after close(): the ledger is closed'), [record]);
      return;
    }
    this.pending.push(record);
    if (this.pending.length > this.options.maxBuffered) {
      const dropped = this.pending.splice(0, this.pending.length - this.options.maxBuffered);
      this.options.onLost(
        new Error(`usage buffer full (${this.options.maxBuffered}); oldest records dropped`),
        dropped,
      );
    }
    // A full batch is written at once (not on a timer): a busy process may not reach its timers
    // for a while, and the buffer must not grow meanwhile.
    if (this.pending.length >= this.options.maxBatch && this.failures === 0 && !this.writing)
      this.startWrite();
    else if (this.timer === undefined) this.schedule(this.options.flushMs);
  }

  /**
   * Write everything buffered, within `timeoutMs` (a storage that never answers cannot hold
   * `close()` forever). A batch that fails is tried once more; what is still unwritten at the end —
   * failed, or not confirmed in time — is reported through `onLost`. Nothing is lost silently.
   */
  async flush(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.clearTimer();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), timeoutMs);
      timer.unref?.();
    });
    const within = <T>(p: Promise<T>) => Promise.race([p, expired]);
    try {
      // A write in flight first (when it fails, its batch is back in front of `pending`).
      if (this.inflight && (await within(this.inflight)) === 'expired') return this.giveUp(timeoutMs);
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.options.maxBatch);
        let lastError: unknown;
        for (let attempt = 0; attempt < 2; attempt++) {
          const write = this.writes
            .add(() => this.storage.recordUsage(batch))
            .then(
              () => 'written' as const,
              (error: unknown) => {
                lastError = error;
                return 'failed' as const;
              },
            );
          this.unconfirmed.add(batch);
          const outcome = await within(write);
          if (outcome === 'expired') return this.giveUp(timeoutMs);
          this.unconfirmed.delete(batch);
          if (outcome === 'written') break;
          // Every failed write is reported, as outside close(): a retry that succeeds loses nothing,
          // yet the storage trouble is worth knowing about.
          if (attempt === 0) this.options.onRetry(lastError);
          else this.options.onLost(lastError, batch);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Out of time at close: report the batch in flight and everything still buffered. */
  private giveUp(timeoutMs: number): void {
    this.givenUp = true;
    const records = [...[...this.unconfirmed].flat(), ...this.pending];
    this.unconfirmed.clear();
    this.pending = [];
    // Writes queued behind the stuck one would write records reported here as not written.
    this.writes.clear();
    if (records.length > 0) {
      this.options.onLost(
        new Error(`usage records not confirmed written within ${timeoutMs} ms of close()`),
        records,
      );
    }
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startWrite();
    }, delayMs);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private startWrite(): void {
    // A write is running: leave `inflight` pointing at it (flush waits for it), it schedules the next.
    if (this.writing) return;
    const p = this.writeOne().finally(() => {
      if (this.inflight === p) this.inflight = undefined;
    });
    this.inflight = p;
  }

  private async writeOne(): Promise<void> {
    if (this.pending.length === 0 || this.writing) return;
    this.clearTimer();
    const batch = this.pending.splice(0, this.options.maxBatch);
    this.writing = true;
    this.unconfirmed.add(batch);
    try {
      await this.writes.add(() => this.storage.recordUsage(batch));
      this.failures = 0;
    } catch (error) {
      if (this.givenUp) return; // flush() already reported this batch as unconfirmed
      // Put the batch back in front and retry later with backoff (1s, 2s, 4s … 60s).
      this.pending.unshift(...batch);
      this.failures++;
      this.options.onRetry(error);
      if (this.pending.length > this.options.maxBuffered) {
        const dropped = this.pending.splice(0, this.pending.length - this.options.maxBuffered);
        this.options.onLost(error, dropped);
      }
      if (this.closed) return; // flush() is writing what is left
      this.schedule(Math.min(60_000, this.options.flushMs * 2 ** Math.min(this.failures, 6)));
      return;
    } finally {
      this.writing = false;
      if (!this.givenUp) this.unconfirmed.delete(batch);
    }
    if (this.closed) return;
    if (this.pending.length >= this.options.maxBatch) this.startWrite();
    else if (this.pending.length > 0) this.schedule(this.options.flushMs);
  }
}

import PQueue from 'p-queue';
import type { RouterStorage, UsageBatching } from '../storage/storage.js';
import type { UsageRecord } from '../types/usage-record.js';

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
 * flight at a time (a p-queue of concurrency 1), a batch at most every `flushMs` or when `maxBatch`
 * records wait, retries with backoff on failure, bounded memory (the oldest are dropped past
 * `maxBuffered`, and reported — never lost silently).
 */
export class UsageBuffer {
  private pending: UsageRecord[] = [];
  private readonly writes = new PQueue({ concurrency: 1 });
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  /** A batch write is in flight (at most one: the ledger sees batches in order). */
  private writing = false;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly storage: RouterStorage,
    private readonly options: UsageBufferOptions,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(record: UsageRecord): void {
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

  /** Write everything buffered; on failure the records are reported through `onLost`. */
  async flush(): Promise<void> {
    // Let a write in flight finish first (a failed one puts its batch back in front).
    while (this.inflight) await this.inflight;
    this.clearTimer();
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      try {
        await this.writes.add(() => this.storage.recordUsage(batch));
        this.failures = 0;
      } catch (error) {
        this.options.onLost(error, batch);
      }
    }
    await this.writes.onIdle();
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
    try {
      await this.writes.add(() => this.storage.recordUsage(batch));
      this.failures = 0;
    } catch (error) {
      // Put the batch back in front and retry later with backoff (1s, 2s, 4s … 60s).
      this.pending.unshift(...batch);
      this.failures++;
      this.options.onRetry(error);
      if (this.pending.length > this.options.maxBuffered) {
        const dropped = this.pending.splice(0, this.pending.length - this.options.maxBuffered);
        this.options.onLost(error, dropped);
      }
      this.schedule(Math.min(60_000, this.options.flushMs * 2 ** Math.min(this.failures, 6)));
      return;
    } finally {
      this.writing = false;
    }
    if (this.pending.length >= this.options.maxBatch) this.startWrite();
    else if (this.pending.length > 0) this.schedule(this.options.flushMs);
  }
}

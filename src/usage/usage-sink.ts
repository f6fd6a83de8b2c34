import type { RouterEmitter } from '../events.js';
import type { UsageRecord } from '../types/usage-record.js';
import type { UsageBuffer } from './usage-buffer.js';

/**
 * Where each attempt's usage record goes: the `onUsage` hook, the `usage` event and the storage
 * buffer. Nothing here can change a request's outcome: a hook that throws, rejects or never settles
 * is reported through the `error` event (or simply not waited for).
 */
export class UsageSink {
  private readonly pendingHooks = new Set<Promise<unknown>>();

  constructor(
    private readonly emitter: RouterEmitter,
    private readonly buffer: UsageBuffer,
    private readonly onUsage: ((record: UsageRecord) => void | Promise<void>) | undefined,
  ) {}

  record(record: UsageRecord): void {
    if (this.onUsage) {
      try {
        const r = this.onUsage(record);
        if (r && typeof (r as Promise<void>).then === 'function') {
          const p = (r as Promise<void>).then(undefined, (error: unknown) =>
            this.emitter.emit('error', { source: 'hook', error }),
          );
          this.pendingHooks.add(p);
          void p.finally(() => this.pendingHooks.delete(p));
        }
      } catch (error) {
        this.emitter.emit('error', { source: 'hook', error });
      }
    }
    if (this.emitter.has('usage')) this.emitter.emit('usage', record);
    this.buffer.add(record);
  }

  /**
   * Flush the storage buffer (at most `ledgerTimeoutMs`; what is not confirmed by then is reported)
   * and give running async hooks up to `hookGraceMs` to finish.
   */
  async flush(hookGraceMs: number, ledgerTimeoutMs: number): Promise<void> {
    await this.buffer.flush(ledgerTimeoutMs);
    if (this.pendingHooks.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, hookGraceMs);
      timer.unref?.();
    });
    try {
      await Promise.race([Promise.allSettled([...this.pendingHooks]), grace]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A bounded single-consumer queue between the pump (which holds the slot) and the consumer.
 * The pump awaits `push` when `highWaterMark` parts wait, so memory stays bounded; the wait ends
 * early when `signal` aborts, so a consumer that stops reading cannot hold the pump (and its slot).
 */
export class Channel<T> {
  private readonly items: T[] = [];
  private head = 0;
  private done = false;
  private error: { value: unknown } | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(private readonly highWaterMark: number) {}

  get buffered(): number {
    return this.items.length - this.head;
  }

  /** Queue a part; resolves when there is room again (or the signal aborts: then rejects with its reason). */
  push(item: T, signal: AbortSignal): Promise<void> | undefined {
    if (this.done) return undefined;
    this.items.push(item);
    this.wakeConsumer?.();
    if (this.buffered < this.highWaterMark) return undefined;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.wakeProducer = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.wakeProducer = () => {
        this.wakeProducer = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }

  /** No more parts: the consumer sees the end after the buffered ones. */
  close(): void {
    this.done = true;
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  /** End with an error: the consumer gets it after the buffered parts. */
  fail(error: unknown): void {
    if (this.done) return;
    this.error = { value: error };
    this.close();
  }

  /** The consumer left: drop what is buffered and release a waiting producer. */
  discard(): void {
    this.items.length = 0;
    this.head = 0;
    this.done = true;
    this.error = undefined;
    this.wakeProducer?.();
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.head < this.items.length) {
        const value = this.items[this.head++]!;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items.splice(0, this.head);
          this.head = 0;
        }
        if (this.buffered < this.highWaterMark) this.wakeProducer?.();
        return { value, done: false };
      }
      if (this.done) {
        if (this.error) {
          const e = this.error.value;
          this.error = undefined;
          throw e;
        }
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => {
        this.wakeConsumer = () => {
          this.wakeConsumer = undefined;
          resolve();
        };
      });
    }
  }
}

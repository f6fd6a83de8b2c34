/**
 * A bounded single-consumer queue between the pump (which holds the slot) and the consumer.
 * The pump awaits `push` when `highWaterMark` parts or `maxBytes` bytes (as `sizeOf` counts them)
 * wait, so memory stays bounded in both; the wait ends early when the owner's `signal` aborts, so a
 * consumer that stops reading cannot hold the pump (and its slot).
 */
export class Channel<T> {
  private readonly items: T[] = [];
  private head = 0;
  private done = false;
  private error: { value: unknown } | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private bytes = 0;
  /** Reads (`next()` calls) so far: lets an owner tell a stream nobody reads. */
  reads = 0;

  constructor(
    private readonly highWaterMark: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    private readonly sizeOf: (item: T) => number = () => 0,
  ) {}

  get buffered(): number {
    return this.items.length - this.head;
  }

  /** Bytes buffered, as `sizeOf` counts them. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** True while the consumer waits in `next()` for a part. */
  get reading(): boolean {
    return this.wakeConsumer !== undefined;
  }

  private full(): boolean {
    return this.buffered >= this.highWaterMark || this.bytes >= this.maxBytes;
  }

  /**
   * Queue a part; resolves when there is room again (or the owner's signal aborts: then rejects with
   * its reason). The signal is read only when the push has to wait: an attempt makes its signal on
   * first read, and a push that finds room costs none.
   */
  push(item: T, owner: { readonly signal: AbortSignal }): Promise<void> | undefined {
    if (this.done) return undefined;
    this.items.push(item);
    this.bytes += this.sizeOf(item);
    this.wakeConsumer?.();
    if (!this.full()) return undefined;
    const { signal } = owner;
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
    this.bytes = 0;
    this.done = true;
    this.error = undefined;
    this.wakeProducer?.();
  }

  /**
   * The next part, or the end (or the failure) after the buffered parts. Not an async function: a
   * buffered part is handed out in one resolved promise, and a consumer that waits is handed the
   * part by the `push` that brings it (one promise, no extra microtask turns).
   */
  next(): Promise<IteratorResult<T>> {
    this.reads++;
    try {
      const now = this.take();
      if (now) return Promise.resolve(now);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      const wake = () => {
        this.wakeConsumer = undefined;
        let now: IteratorResult<T> | undefined;
        try {
          now = this.take();
        } catch (error) {
          reject(error);
          return;
        }
        if (now) resolve(now);
        else this.wakeConsumer = wake;
      };
      this.wakeConsumer = wake;
    });
  }

  /**
   * A buffered part or the end without a promise (see `READY_PART`), or `undefined` while there is
   * neither; throws the failure once. Counts as a read.
   */
  ready(): IteratorResult<T> | undefined {
    this.reads++;
    return this.take();
  }

  /** A buffered part, the end, or `undefined` while there is neither; throws the failure once. */
  private take(): IteratorResult<T> | undefined {
    if (this.head < this.items.length) {
      const value = this.items[this.head]!;
      // Drop the reference at once: a read part must not stay reachable from the buffer.
      (this.items as Array<T | undefined>)[this.head++] = undefined;
      this.bytes -= this.sizeOf(value);
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      if (!this.full()) this.wakeProducer?.();
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
    return undefined;
  }
}

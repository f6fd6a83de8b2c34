/**
 * FIFO waiters for a freed concurrency slot. One waiter may wait on several keys (any of a provider's
 * keys will do); it sits in each key's queue — a `Set`, which iterates in insertion order and deletes in
 * O(1) — and leaves all of them the moment it is woken, times out, is aborted or the store closes.
 */
export interface Waiter {
  wake(): void;
  fail(error: unknown): void;
}

export type WaiterQueue = Set<Waiter>;

/** setTimeout's ceiling; a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Wait until one of `queues` wakes us, or `maxWaitMs` passes (resolves either way), or `signal` aborts
 * (rejects with its reason). Whatever ends the wait removes the waiter from every queue, clears the timer
 * and removes the abort listener: nothing is left behind.
 */
export function waitInQueues(
  queues: readonly WaiterQueue[],
  maxWaitMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (!(maxWaitMs > 0) || queues.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (failed: boolean, error?: unknown): void => {
      if (done) return;
      done = true;
      for (const queue of queues) queue.delete(waiter);
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (failed) reject(error);
      else resolve();
    };
    const waiter: Waiter = { wake: () => finish(false), fail: (error) => finish(true, error) };
    const onAbort = (): void => finish(true, signal?.reason);
    for (const queue of queues) queue.add(waiter);
    const timer = setTimeout(waiter.wake, Math.min(maxWaitMs, MAX_TIMER_MS));
    // A waiting request must never keep the process alive on its own.
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wake the longest-waiting waiter of a queue (one slot was freed: one waiter may take it). */
export function wakeFirst(queue: WaiterQueue | undefined): void {
  if (queue === undefined || queue.size === 0) return;
  const first = queue.values().next().value;
  first?.wake();
}

/** Reject every waiter of a queue (the store is closing). */
export function failAll(queue: WaiterQueue, error: unknown): void {
  for (const waiter of [...queue]) waiter.fail(error);
}

/** Wake the longest-waiting waiter of the first of `queues` that has one (one freed slot, one wake). */
export function wakeOneOf(queues: Iterable<WaiterQueue | undefined>): void {
  for (const queue of queues) {
    if (queue !== undefined && queue.size > 0) {
      wakeFirst(queue);
      return;
    }
  }
}

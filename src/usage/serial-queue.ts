/**
 * Runs tasks one at a time, in the order they were added — a promise chain. (It replaces a
 * concurrency-1 p-queue: p-queue is ESM-only, which made the CommonJS build need `require(esm)`.)
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Bumped by `clear()`: a task added under an older generation never starts. */
  private generation = 0;

  /** Run `task` after every task added before it has settled; settles as the task does. */
  add<T>(task: () => Promise<T>): Promise<T> {
    const generation = this.generation;
    const run = this.tail.then(() => {
      if (generation !== this.generation) throw new Error('queued write cleared before it started');
      return task();
    });
    // The chain continues whatever this task does; the caller sees its outcome through `run`.
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Tasks queued and not started yet never start (each rejects); a running one is left alone. */
  clear(): void {
    this.generation++;
  }
}

type AbortListener =
  | ((event: { type: 'abort'; target: unknown }) => void)
  | { handleEvent(event: unknown): void };

/**
 * "The client went away", for the node door: what the router reads of a caller's signal (`aborted`,
 * `reason`, `addEventListener`/`removeEventListener('abort')`, `throwIfAborted`), without the
 * EventTarget Node builds for every `AbortSignal` (microseconds per request, plus each listener the
 * router adds and removes). A real `AbortSignal`, following this one, is made only when something
 * needs one (`signal`: the web `Request` handed to `authenticate`/`transformRequest`).
 */
export class ClientSignal {
  aborted = false;
  reason: unknown = undefined;
  #listeners: AbortListener[] = [];
  #controller: AbortController | undefined = undefined;

  /** A real `AbortSignal` that aborts with this one (made on first use). */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (!controller) {
      controller = new AbortController();
      this.#controller = controller;
      if (this.aborted) controller.abort(this.reason);
    }
    return controller.signal;
  }

  /** As `AbortSignal`'s: an abort listener runs once, at most; one added after the abort never runs. */
  addEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || !listener || this.aborted || this.#listeners.includes(listener)) return;
    this.#listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || !listener) return;
    const i = this.#listeners.indexOf(listener);
    if (i !== -1) this.#listeners.splice(i, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = [];
    const event = { type: 'abort' as const, target: this };
    for (const listener of listeners) {
      try {
        if (typeof listener === 'function') listener.call(this, event);
        else listener.handleEvent(event);
      } catch (error) {
        // As an EventTarget does: a throwing listener neither stops the others nor the caller.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }

  /** Handed to the router as its `signal`: it reads only the members above (checked by duck type). */
  asAbortSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

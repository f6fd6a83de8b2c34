type AbortListener =
  | ((event: { type: 'abort'; target: unknown }) => void)
  | { handleEvent(event: unknown): void };

/**
 * An abort signal for what the router reads of one (`aborted`, `reason`, `throwIfAborted`,
 * `addEventListener`/`removeEventListener('abort')`), without the EventTarget Node builds for every
 * `AbortSignal` (microseconds each). The relay's node door hands the router the same shape as a
 * caller's signal. Listeners run once, in the order added; one added after the abort never runs; a
 * throwing one is reported (as an EventTarget does) without stopping the others.
 */
export class LightSignal {
  aborted = false;
  reason: unknown = undefined;
  /** Made on the first listener: most signals (every attempt's) have one or two, or none. */
  #listeners: AbortListener[] | undefined = undefined;

  addEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || !listener || this.aborted) return;
    const listeners = this.#listeners;
    if (!listeners) this.#listeners = [listener];
    else if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || !listener || !this.#listeners) return;
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
    const listeners = this.#listeners ?? [];
    this.#listeners = undefined;
    const event = { type: 'abort' as const, target: this };
    for (const listener of listeners) {
      try {
        if (typeof listener === 'function') listener.call(this, event);
        else listener.handleEvent(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** What the router's signal-typed fields take: it reads only the members above. */
  asAbortSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

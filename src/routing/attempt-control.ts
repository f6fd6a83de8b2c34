import type { CandidateEntry } from '../catalog/cache.js';
import type { CallSignal } from '../providers/shared/call-signal.js';
import type { AttemptContext } from './attempt-context.js';

/**
 * One attempt's abort and race, as its body sees them (`AttemptContext`). The `AbortSignal` is made
 * on first read: Node builds a signal (an EventTarget) in microseconds, and an adapter that never
 * looks at its signal — the router's `race` already stops waiting for it on an abort — costs none.
 * A signal read after the abort comes out aborted, with the same reason.
 *
 * The attempt is also its own `CallSignal` (`callSignal`): the bundled adapters' HTTP helpers and
 * default transport listen on it directly, so a call through them makes no `AbortSignal` at all.
 */
export class AttemptControl implements AttemptContext, CallSignal {
  apiKey = '';
  #controller: AbortController | undefined = undefined;
  #aborted = false;
  #reason: unknown = undefined;
  /** `CallSignal` listeners: one or two at a time (the transport's, the body read's). */
  #listeners: (() => void)[] | undefined = undefined;
  /** Rejects the race in progress, if any. */
  #rejectRace: ((reason: unknown) => void) | undefined = undefined;

  constructor(
    readonly attempt: number,
    readonly candidate: CandidateEntry,
    readonly keyId: string,
    readonly startedAt: number,
    readonly deadline: number,
  ) {}

  get signal(): AbortSignal {
    let controller = this.#controller;
    if (!controller) {
      controller = new AbortController();
      this.#controller = controller;
      if (this.#aborted) controller.abort(this.#reason);
    }
    return controller.signal;
  }

  get callSignal(): CallSignal {
    return this;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** As `AbortSignal`'s: a listener runs once, at most; one added after the abort never runs. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.#aborted) return;
    const listeners = this.#listeners;
    if (!listeners) this.#listeners = [listener];
    else if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (!listeners) return;
    const i = listeners.indexOf(listener);
    if (i !== -1) listeners.splice(i, 1);
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) {
      for (const listener of listeners) {
        try {
          listener();
        } catch (error) {
          // As an EventTarget does: a throwing listener neither stops the others nor the abort.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    this.#rejectRace?.(reason);
  }

  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#aborted) {
      promise.catch(() => {}); // the adapter's late failure is not ours to report
      return Promise.reject(this.#reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.#rejectRace = (reason) => {
        promise.catch(() => {});
        reject(reason);
      };
      promise.then(
        (v) => {
          this.#rejectRace = undefined;
          resolve(v);
        },
        (e) => {
          this.#rejectRace = undefined;
          reject(e);
        },
      );
    });
  }
}

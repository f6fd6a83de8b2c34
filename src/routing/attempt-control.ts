import type { CandidateEntry } from '../catalog/cache.js';
import type { CallSignal } from '../providers/shared/call-signal.js';
import { LightSignal } from '../util/light-signal.js';
import type { AttemptContext } from './attempt-context.js';

/**
 * One attempt's abort and race, as its body sees them (`AttemptContext`). The `AbortSignal` is made
 * on first read: Node builds a signal (an EventTarget) in microseconds, and an adapter that never
 * looks at its signal — the router's `race` already stops waiting for it on an abort — costs none.
 * A signal read after the abort comes out aborted, with the same reason.
 *
 * The attempt is also its own `CallSignal` (`callSignal`, a `LightSignal`): the bundled adapters'
 * HTTP helpers and default transport listen on it directly, so a call through them makes no
 * `AbortSignal` at all.
 */
export class AttemptControl extends LightSignal implements AttemptContext, CallSignal {
  apiKey = '';
  #controller: AbortController | undefined = undefined;
  /** Rejects the race in progress, if any. */
  #rejectRace: ((reason: unknown) => void) | undefined = undefined;

  constructor(
    readonly attempt: number,
    readonly candidate: CandidateEntry,
    readonly keyId: string,
    readonly startedAt: number,
    readonly deadline: number,
  ) {
    super();
  }

  get signal(): AbortSignal {
    let controller = this.#controller;
    if (!controller) {
      controller = new AbortController();
      this.#controller = controller;
      if (this.aborted) controller.abort(this.reason);
    }
    return controller.signal;
  }

  get callSignal(): CallSignal {
    return this;
  }

  /** Once: the `CallSignal` listeners run, then the `AbortSignal`'s (if one was made), then the race rejects. */
  override abort(reason: unknown): void {
    if (this.aborted) return;
    super.abort(reason);
    this.#controller?.abort(reason);
    this.#rejectRace?.(reason);
  }

  race<T>(promise: Promise<T>): Promise<T> {
    if (this.aborted) {
      promise.catch(() => {}); // the adapter's late failure is not ours to report
      return Promise.reject(this.reason);
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

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
  /** The race in progress, if any: its promise, and the reject of what `race` returned. */
  #racing: Promise<unknown> | undefined = undefined;
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
    const reject = this.#rejectRace;
    if (reject) {
      this.#rejectRace = undefined;
      this.#racing?.catch(ignore); // the adapter's late failure is not ours to report
      this.#racing = undefined;
      reject(reason);
    }
  }

  race<T>(promise: Promise<T>): Promise<T> {
    if (this.aborted) {
      promise.catch(ignore); // the adapter's late failure is not ours to report
      return Promise.reject(this.reason);
    }
    // The promise settles the race itself; an abort rejects it first. Once settled, a later abort's
    // reject does nothing (so there is no need to forget it: a closure less per race).
    return new Promise<T>((resolve, reject) => {
      this.#racing = promise;
      this.#rejectRace = reject;
      promise.then(resolve, reject);
    });
  }
}

function ignore(): void {}

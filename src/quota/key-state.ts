import { SlidingWindow } from './sliding-window.js';
import type { WaiterQueue } from './waiters.js';

/** Everything the store knows about one key; created on first use. */
export class KeyState {
  inFlight = 0;
  /** Epoch ms; 0 = not cooling. */
  coolingUntil = 0;
  /** Epoch ms; 0 = not quarantined. */
  quarantinedUntil = 0;
  readonly waiters: WaiterQueue = new Set();
  readonly window: SlidingWindow;

  constructor(windowMs: number, bucketMs: number) {
    this.window = new SlidingWindow(windowMs, bucketMs);
  }
}

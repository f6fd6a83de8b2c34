import type { Required } from '../util/types.js';
import type { CircuitBreakerOptions } from '../options.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

interface Circuit {
  failures: number;
  openUntil: number;
  /** A half-open probe is in flight: others keep away until it reports. */
  probing: boolean;
}

/**
 * One circuit per candidate (`providerId/modelId`): consecutive failures open it; after `openMs`
 * one probe is let through (half-open); its success closes the circuit, its failure re-opens it.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  constructor(private readonly options: Required<CircuitBreakerOptions>) {}

  state(ref: string, now: number): CircuitState {
    const c = this.circuits.get(ref);
    if (!c || c.failures < this.options.failureThreshold) return 'closed';
    return now >= c.openUntil ? 'half_open' : 'open';
  }

  /** May an attempt start now? Takes the half-open probe slot when it grants one. */
  tryPass(ref: string, now: number): boolean {
    const c = this.circuits.get(ref);
    if (!c || c.failures < this.options.failureThreshold) return true;
    if (now < c.openUntil || c.probing) return false;
    c.probing = true;
    return true;
  }

  /** Ms until an open circuit lets a probe through. */
  retryAfterMs(ref: string, now: number): number | undefined {
    const c = this.circuits.get(ref);
    return c && c.openUntil > now ? c.openUntil - now : undefined;
  }

  success(ref: string): void {
    const c = this.circuits.get(ref);
    if (c) this.circuits.delete(ref);
  }

  failure(ref: string, now: number): void {
    let c = this.circuits.get(ref);
    if (!c) {
      c = { failures: 0, openUntil: 0, probing: false };
      this.circuits.set(ref, c);
    }
    c.failures++;
    c.probing = false;
    if (c.failures >= this.options.failureThreshold) c.openUntil = now + this.options.openMs;
  }

  /** A probe ended without a verdict (aborted, or an error that says nothing about health). */
  neutral(ref: string): void {
    const c = this.circuits.get(ref);
    if (c) c.probing = false;
  }
}

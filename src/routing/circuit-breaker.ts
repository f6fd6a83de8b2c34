import type { ResolvedCircuitBreaker } from '../options.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

interface Circuit {
  /** Consecutive unhealthy failures. */
  failures: number;
  open: boolean;
  /** While open: clock time from which the next probe may go. */
  nextProbeAt: number;
  /** A probe is in flight: others keep away until it reports. */
  probing: boolean;
  /** After the circuit closed again: until then it is on probation. */
  probationUntil: number;
  /** On probation: successes (the closing probe included) and unhealthy failures since it closed. */
  probationSuccesses: number;
  probationFailures: number;
}

/**
 * One circuit per candidate (`providerId/modelId`). `failureThreshold` consecutive unhealthy
 * failures open it. While open, one real request at a time may probe it, every `probeIntervalMs`
 * (jittered to 50–100 % of it, so that routers started together do not probe in step) — however
 * long the outage was, a recovered provider gets traffic back within one probe interval. A probe's
 * success closes the circuit and puts it on probation for `probationMs`: while on probation, it
 * re-opens as soon as its failures since it closed reach its successes (the probe's included). A
 * provider that flaps — still mostly down when a probe happened to pass — gets one request per flap,
 * not `failureThreshold`; a provider that is back but has a background error rate (a few % of 500s)
 * stays closed, since its successes outnumber its failures.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  constructor(
    private readonly options: ResolvedCircuitBreaker,
    private readonly random: () => number,
  ) {}

  state(ref: string, now: number): CircuitState {
    const c = this.circuits.get(ref);
    if (!c?.open) return 'closed';
    return now >= c.nextProbeAt && !c.probing ? 'half_open' : 'open';
  }

  /** May an attempt start now? Takes the probe slot when the circuit is open and a probe is due. */
  tryPass(ref: string, now: number): boolean {
    const c = this.circuits.get(ref);
    if (!c?.open) return true;
    if (now < c.nextProbeAt || c.probing) return false;
    c.probing = true;
    return true;
  }

  /** Ms until an open circuit lets the next probe through. */
  retryAfterMs(ref: string, now: number): number | undefined {
    const c = this.circuits.get(ref);
    if (!c?.open) return undefined;
    return Math.max(0, c.nextProbeAt - now);
  }

  /** Clock time an open circuit lets the next probe through (for error messages). */
  nextProbeAt(ref: string): number | undefined {
    const c = this.circuits.get(ref);
    return c?.open ? c.nextProbeAt : undefined;
  }

  success(ref: string, now: number): void {
    const c = this.circuits.get(ref);
    if (!c) return;
    if (c.open) {
      c.open = false;
      c.probationUntil = now + this.options.probationMs;
      c.probationSuccesses = 0;
      c.probationFailures = 0;
    }
    if (now < c.probationUntil) c.probationSuccesses++;
    c.failures = 0;
    c.probing = false;
    if (c.probationUntil <= now) this.circuits.delete(ref);
  }

  failure(ref: string, now: number): void {
    let c = this.circuits.get(ref);
    if (!c) {
      c = {
        failures: 0,
        open: false,
        nextProbeAt: 0,
        probing: false,
        probationUntil: 0,
        probationSuccesses: 0,
        probationFailures: 0,
      };
      this.circuits.set(ref, c);
    }
    c.failures++;
    c.probing = false;
    const onProbation = now < c.probationUntil;
    if (onProbation) c.probationFailures++;
    const relapsed = onProbation && c.probationFailures >= c.probationSuccesses;
    if (c.open || c.failures >= this.options.failureThreshold || relapsed) {
      c.open = true;
      c.probationUntil = 0;
      c.nextProbeAt = now + this.probeDelay();
    }
  }

  /** A probe ended without a verdict (aborted, or an error that says nothing about health). */
  neutral(ref: string): void {
    const c = this.circuits.get(ref);
    if (c) c.probing = false;
  }

  private probeDelay(): number {
    const interval = this.options.probeIntervalMs;
    return Math.ceil(interval * (1 - 0.5 * this.random()));
  }
}

/**
 * Candidates whose attempt timed out, tried after the others until a moment: concurrent and following
 * requests go to the healthy members first instead of each waiting out the timeout. Demotion only
 * reorders — a demoted candidate is still tried when nothing else is left — and a success lifts it.
 */
export class Demotions {
  private readonly until = new Map<string, number>();
  constructor(private readonly ms: number) {}

  demote(ref: string, now: number): void {
    if (this.ms > 0) this.until.set(ref, now + this.ms);
  }

  lift(ref: string): void {
    if (this.until.size > 0) this.until.delete(ref);
  }

  /** Clock time until which `ref` is demoted, if it is now. */
  demotedUntil(ref: string, now: number): number | undefined {
    const until = this.until.get(ref);
    if (until === undefined) return undefined;
    if (until > now) return until;
    this.until.delete(ref);
    return undefined;
  }

  /** `ordered` with the demoted candidates moved to the back, each part keeping its order. */
  apply<T extends { readonly ref: string }>(ordered: T[], now: number): T[] {
    if (this.until.size === 0 || ordered.length < 2) return ordered;
    let demoted: T[] | undefined;
    let kept: T[] | undefined;
    for (let i = 0; i < ordered.length; i++) {
      const c = ordered[i]!;
      if (this.demotedUntil(c.ref, now) === undefined) kept?.push(c);
      else {
        if (!demoted) {
          demoted = [];
          kept = ordered.slice(0, i);
        }
        demoted.push(c);
      }
    }
    return demoted ? [...kept!, ...demoted] : ordered;
  }
}

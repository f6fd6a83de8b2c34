import type { LatencyStats } from './strategy.js';

/** Weight of a new sample in the moving averages. */
const ALPHA = 0.2;

interface Entry extends LatencyStats {
  inFlight: number;
}

/** Per-candidate in-flight counts and latency EWMAs, local to one router. */
export class CandidateStats {
  private readonly entries = new Map<string, Entry>();

  get(ref: string): Entry {
    let e = this.entries.get(ref);
    if (!e) {
      e = {
        inFlight: 0,
        latencyMs: undefined,
        ttftMs: undefined,
        outputTokensPerSecond: undefined,
        samples: 0,
      };
      this.entries.set(ref, e);
    }
    return e;
  }

  begin(ref: string): void {
    this.get(ref).inFlight++;
  }

  end(ref: string): void {
    this.get(ref).inFlight--;
  }

  sample(ref: string, latencyMs: number, ttftMs: number | undefined, outputTokens = 0): void {
    const e = this.get(ref);
    // Output speed: tokens over the time after the first one (the whole attempt when not streamed).
    const generatingMs = latencyMs - (ttftMs ?? 0);
    if (outputTokens > 0 && generatingMs > 0) {
      const tps = (outputTokens * 1000) / generatingMs;
      e.outputTokensPerSecond =
        e.outputTokensPerSecond === undefined
          ? tps
          : e.outputTokensPerSecond + ALPHA * (tps - e.outputTokensPerSecond);
    }
    e.latencyMs = e.latencyMs === undefined ? latencyMs : e.latencyMs + ALPHA * (latencyMs - e.latencyMs);
    if (ttftMs !== undefined)
      e.ttftMs = e.ttftMs === undefined ? ttftMs : e.ttftMs + ALPHA * (ttftMs - e.ttftMs);
    e.samples++;
  }

  entriesList(): Array<[string, Entry]> {
    return [...this.entries];
  }
}

/**
 * Seeded randomness for the soak. Everything random in a run comes from its seed: the per-request
 * plan from `rng(seed, index)`, a provider's reply to one attempt from `rng(seed, index, provider, key)`
 * — so a fault is tied to the request and key it hit, not to the order in which concurrent calls
 * happened to arrive, and `--seed S` replays the same plan.
 */

/** mulberry32: a tiny 32-bit generator, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, 32 bits. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mix several numbers or strings into one 32-bit seed (murmur3's finaliser between parts). */
export function mix(...parts: Array<number | string>): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    const v = typeof p === 'string' ? hashString(p) : p >>> 0;
    h = Math.imul(h ^ v, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A generator for one purpose, derived from the run's seed and the parts that identify it. */
export function rng(...parts: Array<number | string>): Random {
  return new Random(mulberry32(mix(...parts)));
}

export class Random {
  constructor(readonly next: () => number) {}

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A key of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  /** `n` words of lowercase letters, each followed by a space except the last. */
  words(n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      let w = '';
      const len = this.int(1, 8);
      for (let j = 0; j < len; j++) w += String.fromCharCode(97 + this.int(0, 25));
      out.push(w);
    }
    return out.join(' ');
  }
}

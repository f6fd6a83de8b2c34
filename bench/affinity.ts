import { type CatalogInput, ModelRouter, type ProviderAdapter, type UsageRecord } from '../src/index.js';
import { manualClock } from '../src/testing/manual-clock.js';
import { type BenchOptions, type Result, figure } from './lib/result.js';

const BENCH = 'affinity';

/** A provider's prompt cache lifetime, and the TTL of a cache entry after its last hit. */
const CACHE_TTL_MS = 300_000;
const RPM = 300;
const TPM = 10_000_000;
// A coding agent's turn: a long system prompt and tool definitions, tool results added every turn,
// short answers (tool calls). Claude Code's system prompt and tools alone are over 12k tokens.
const SYSTEM_TOKENS = 12_000;
const TURN_TOKENS = 500; // user message + tool results added per turn
const OUTPUT_TOKENS = 200;

interface Size {
  sessions: number;
  turns: number;
  /** Sessions start uniformly over this long (virtual ms). */
  arrivalMs: number;
  seeds: number[];
}

const FULL: Size = { sessions: 1_000, turns: 20, arrivalMs: 600_000, seeds: [1, 2, 3] };
const QUICK: Size = { sessions: 40, turns: 5, arrivalMs: 60_000, seeds: [1] };

/**
 * Prompt-cache affinity across key pools, simulated: 2 providers × 4 keys (rpm 300 each), each key with
 * its own prompt cache (a prefix seen on that key in the last 5 minutes is a hit, billed at a tenth
 * of the input price); N agent sessions of M turns (the prompt grows every turn), arriving over ten
 * minutes, each turn 5–55 s after the last answer, every turn due at the same virtual second sent
 * concurrently. The same seeded workload runs with affinity (the session id as `affinityKey`) and
 * without (`affinity: false`), on a virtual clock: the figures are counts, not timings.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const size = quick ? QUICK : FULL;
  const withA: Outcome[] = [];
  const without: Outcome[] = [];
  for (const seed of size.seeds) {
    withA.push(await simulate(size, seed, true));
    without.push(await simulate(size, seed, false));
  }
  const pct = (xs: number[]) => xs.map((x) => Math.round(x * 10_000) / 100);
  const note = `${size.sessions} sessions × ${size.turns} turns, ${size.seeds.length} seed(s)`;
  return [
    figure(BENCH, 'cache hit with affinity', '%', pct(withA.map((o) => o.hitRatio)), {
      target: { op: '>=', value: 95 },
      note,
    }),
    figure(BENCH, 'cache hit without affinity', '%', pct(without.map((o) => o.hitRatio)), { note }),
    figure(
      BENCH,
      'cost with / without affinity',
      '%',
      pct(withA.map((o, i) => o.costUsd / without[i]!.costUsd)),
      { target: { op: '<=', value: 45 }, note: 'costUsd of the usage records, cache reads at a tenth' },
    ),
    figure(
      BENCH,
      'cost with affinity',
      'USD',
      withA.map((o) => round(o.costUsd, 2)),
    ),
    figure(
      BENCH,
      'cost without affinity',
      'USD',
      without.map((o) => round(o.costUsd, 2)),
    ),
    figure(BENCH, 'busiest 60 s of a key / rpm', '%', pct(withA.map((o) => o.peakRpmShare)), {
      target: { op: '<=', value: 100 },
      note: 'requests the provider saw in any 60 s on one key, with affinity',
    }),
    figure(BENCH, 'busiest key share of requests', '%', pct(withA.map((o) => o.busiestShare)), {
      note: 'with affinity; an even spread over 8 keys is 12.5 %',
    }),
    figure(BENCH, 'quietest key share of requests', '%', pct(withA.map((o) => o.quietestShare)), {
      note: 'with affinity',
    }),
    figure(
      BENCH,
      'turns refused (QUOTA_EXHAUSTED)',
      'count',
      withA.map((o) => o.refused),
      { note: 'retried one virtual second later' },
    ),
  ];
}

interface Outcome {
  /** Cached prompt tokens / cacheable prompt tokens (each turn's prefix shared with the turn before). */
  hitRatio: number;
  costUsd: number;
  peakRpmShare: number;
  busiestShare: number;
  quietestShare: number;
  refused: number;
}

async function simulate(size: Size, seed: number, affinity: boolean): Promise<Outcome> {
  const clock = manualClock(1_700_000_000_000);
  // Each session draws from its own generator, so both runs of a seed see the same workload whatever
  // order the router answers in.
  const rngs = Array.from({ length: size.sessions }, (_, s) => mulberry32(seed * 100_003 + s));
  const provider = simulatedProvider(clock);
  let costUsd = 0;
  const router = new ModelRouter({
    catalog: catalog(),
    adapters: { sim: provider.adapter },
    clock,
    random: mulberry32(seed),
    // The virtual clock does not move while a request waits: a full key is refused at once, and the
    // session tries again a virtual second later (counted).
    timeouts: { queueWaitMs: 0 },
    // The prompt's size travels in metadata, so that no megabytes of filler text are built.
    estimateTokens: (r) => Number(r.metadata?.tokens ?? 0),
    affinity: affinity ? {} : false,
    onUsage: (r: UsageRecord) => {
      costUsd += r.costUsd ?? 0;
    },
  });
  const start = clock.now();
  const next = new Map<number, number>(); // session → virtual time of its next turn
  const turn = new Map<number, number>();
  for (let s = 0; s < size.sessions; s++) {
    next.set(s, start + Math.floor(rngs[s]!() * size.arrivalMs));
    turn.set(s, 0);
  }
  let refused = 0;
  try {
    while (next.size > 0) {
      const now = clock.now();
      const due = [...next].filter(([, at]) => at <= now).map(([s]) => s);
      await Promise.all(
        due.map(async (s) => {
          const t = turn.get(s)!;
          const tokens = SYSTEM_TOKENS + t * (TURN_TOKENS + OUTPUT_TOKENS) + TURN_TOKENS;
          try {
            await router.complete({
              model: 'agent',
              messages: [{ role: 'user', content: `session ${s} turn ${t}` }],
              maxTokens: OUTPUT_TOKENS,
              metadata: { session: String(s), tokens: String(tokens) },
              ...(affinity ? { affinityKey: `session-${s}` } : {}),
            });
          } catch (error) {
            if ((error as { code?: string }).code !== 'QUOTA_EXHAUSTED') throw error;
            refused++;
            next.set(s, now + 1_000);
            return;
          }
          if (t + 1 >= size.turns) next.delete(s);
          else {
            turn.set(s, t + 1);
            next.set(s, now + 5_000 + Math.floor(rngs[s]!() * 50_000));
          }
        }),
      );
      clock.advance(1_000);
    }
  } finally {
    await router.close();
  }
  const counts = [...provider.requests.values()];
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    hitRatio: provider.cached / provider.cacheable,
    costUsd,
    peakRpmShare: provider.peakPerMinute() / RPM,
    busiestShare: Math.max(...counts) / total,
    quietestShare: counts.length < 8 ? 0 : Math.min(...counts) / total,
    refused,
  };
}

function catalog(): CatalogInput {
  const providers = ['alpha', 'beta'].map((id) => ({
    id,
    adapter: 'sim',
    keys: [1, 2, 3, 4].map((n) => ({ id: `${id}-k${n}`, secret: `sk-${id}-${n}`, rpm: RPM, tpm: TPM })),
  }));
  const prices = { inputCostPerMTok: 3, cacheReadCostPerMTok: 0.3, outputCostPerMTok: 15 };
  return {
    providers,
    models: providers.map((p) => ({ providerId: p.id, modelId: 'coder', ...prices })),
    groups: [{ name: 'agent', members: providers.map((p) => ({ providerId: p.id, modelId: 'coder' })) }],
  };
}

/**
 * The provider side: per key, a prompt cache of each session's last prompt (a prefix of its next
 * one) that lives `CACHE_TTL_MS` after its last use; and every request's time, per key, to find the
 * busiest minute.
 */
function simulatedProvider(clock: { now(): number }) {
  const caches = new Map<string, Map<string, { tokens: number; until: number }>>();
  const times = new Map<string, number[]>();
  const requests = new Map<string, number>();
  const lastPrompt = new Map<string, number>();
  const state = { cached: 0, cacheable: 0 };
  const adapter: ProviderAdapter = {
    name: 'sim',
    async complete(call) {
      const key = `${call.provider.id}/${call.key.id}`;
      const session = call.request.metadata?.session ?? '';
      const tokens = Number(call.request.metadata?.tokens ?? 0);
      const now = clock.now();
      requests.set(key, (requests.get(key) ?? 0) + 1);
      const list = times.get(key) ?? [];
      times.set(key, list);
      list.push(now);
      const cache = caches.get(key) ?? new Map<string, { tokens: number; until: number }>();
      caches.set(key, cache);
      const entry = cache.get(session);
      const cached = entry && entry.until > now ? Math.min(entry.tokens, tokens) : 0;
      // What an ideal router could have hit: the previous turn's prompt is this one's prefix.
      state.cacheable += Math.min(lastPrompt.get(session) ?? 0, tokens);
      state.cached += cached;
      lastPrompt.set(session, tokens + OUTPUT_TOKENS);
      cache.set(session, { tokens: tokens + OUTPUT_TOKENS, until: now + CACHE_TTL_MS });
      return {
        message: { role: 'assistant', content: 'done' },
        finishReason: { unified: 'stop' },
        usage: {
          promptTokens: tokens,
          completionTokens: OUTPUT_TOKENS,
          totalTokens: tokens + OUTPUT_TOKENS,
          cachedPromptTokens: cached,
        },
      };
    },
    stream() {
      throw new Error('the affinity benchmark does not stream');
    },
  };
  return {
    adapter,
    requests,
    get cached() {
      return state.cached;
    },
    get cacheable() {
      return state.cacheable;
    },
    /** Most requests any key saw in a 60 s window (two pointers over its sorted times). */
    peakPerMinute(): number {
      let peak = 0;
      for (const list of times.values()) {
        let lo = 0;
        for (let hi = 0; hi < list.length; hi++) {
          while (list[hi]! - list[lo]! >= 60_000) lo++;
          peak = Math.max(peak, hi - lo + 1);
        }
      }
      return peak;
    },
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A small seeded generator, so that both runs of a seed see the same workload. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Tells, step by step, what the router decides and why: the key each attempt takes, each failover,
 * cooldown and skipped candidate, the usage of every attempt, and `plan()`'s view of what comes next.
 * Every line is read from the router (its events, `stats()`, `plan()`), never written ahead of time.
 */
import type { ModelRouter, PlannedCandidate, RouterEvents, UsageRecord } from 'model-router';
import type { ManualClock } from 'model-router/testing';
import { catalog } from './router.js';

export type Say = (line: string) => void;

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

export async function narrate(router: ModelRouter, clock: ManualClock, say: Say): Promise<void> {
  const usage: UsageRecord[] = [];
  const unsubscribe = listen(router, clock, say, usage);
  try {
    introduce(say);
    for (let i = 1; i <= 6; i++) await ask(router, i, say);

    say('');
    say('plan("coding") now — the order the next request would take, and why a candidate is skipped:');
    const plan = await router.plan('coding');
    for (const line of planLines(plan)) say(line);

    const back = plan.find((c) => c.skip !== undefined && c.retryAfterMs !== undefined);
    if (back?.retryAfterMs !== undefined) {
      say('');
      say(
        `${seconds(back.retryAfterMs)} later (the plan's retryAfterMs for ${back.providerId}; the example moves its clock):`,
      );
      clock.advance(back.retryAfterMs);
      await ask(router, 7, say);
    }

    say('');
    say('usage, from the onUsage records (what you would bill or meter):');
    for (const line of usageTotals(usage)) say(line);
    const stats = router.stats();
    say(
      `in flight: ${stats.inFlight}, queued: ${stats.queued}, leases outstanding: ${stats.leases?.outstanding ?? 0}`,
    );
  } finally {
    unsubscribe();
  }
}

function introduce(say: Say): void {
  const group = catalog.groups[0]!;
  say(`group "${group.name}", strategy ${group.failoverStrategy}:`);
  for (const m of group.members) {
    const provider = catalog.providers.find((p) => p.id === m.providerId)!;
    const keys = provider.keys.map((k) => `${k.id} (${k.rpm} rpm)`).join(', ');
    say(`  priority ${m.priority}: ${m.providerId}/${m.modelId}, keys ${keys}`);
  }
  say('(memory storage, memory quota, mock providers; time is a manual clock the example moves)');
}

async function ask(router: ModelRouter, i: number, say: Say): Promise<void> {
  say('');
  say(`request ${i}: "Question ${i}" to "coding"`);
  const res = await router.complete({
    model: 'coding',
    messages: [{ role: 'user', content: `Question ${i}` }],
  });
  say(
    `  ⇒ ${res.model.providerId}/${res.model.modelId} answered "${res.message.content}" ` +
      `after ${res.attempts.length} attempt(s), ${res.usage.totalTokens} tokens`,
  );
}

/** The router's events, told as they happen; returns the unsubscribe. */
function listen(router: ModelRouter, clock: ManualClock, say: Say, usage: UsageRecord[]): () => void {
  /** A provider's keys as the quota store sees them now: cooling, or requests used in the rpm window. */
  const pool = (providerId: string) =>
    router
      .stats()
      .keys.filter((k) => k.providerId === providerId)
      .map((k) =>
        k.coolingUntil !== undefined && k.coolingUntil > clock.now()
          ? `${k.keyId} cooling ${seconds(k.coolingUntil - clock.now())} more`
          : `${k.keyId} ${k.requestsInWindow}/${k.rpm ?? '∞'} requests this minute`,
      )
      .join(', ');
  const off = [
    router.on('skip', (e: RouterEvents['skip']) =>
      say(
        `  skip    ${e.providerId}/${e.modelId}: ${e.reason}` +
          `${e.retryAfterMs === undefined ? '' : `, back in ${seconds(e.retryAfterMs)}`} (${pool(e.providerId)})`,
      ),
    ),
    router.on('attempt', (e) =>
      say(
        `  try     #${e.attempt} ${e.providerId}/${e.modelId} with ${e.keyId}, the first key of its pool ` +
          `with room (${pool(e.providerId)})`,
      ),
    ),
    router.on('cooldown', (e) =>
      say(
        `  cool    ${e.providerId}/${e.keyId} out of rotation for ${seconds(e.until - clock.now())} (${e.reason})`,
      ),
    ),
    router.on('failover', (e) =>
      say(
        `  failed  #${e.attempt} ${e.from.keyId}: ${e.error.status ?? ''} ${e.error.kind ?? e.error.code} → ${NEXT[e.action]}`,
      ),
    ),
    router.on('usage', (r) => {
      usage.push(r);
      const cost = r.costUsd === undefined ? '' : ` $${r.costUsd.toFixed(6)}`;
      const error = r.errorCode ? ` ${r.errorCode}${r.httpStatus ? ` ${r.httpStatus}` : ''}` : '';
      say(
        `  usage   #${r.attempt} ${r.status}${error} ${r.providerId}/${r.modelId} ${r.keyId}: ` +
          `${r.promptTokens}+${r.completionTokens} tokens${r.estimated ? ' (estimated)' : ''}${cost}`,
      );
    }),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}

const NEXT: Record<RouterEvents['failover']['action'], string> = {
  next_key: 'the next key of the same provider',
  next_candidate: 'the next candidate',
  context_fallback: 'a candidate with a larger context window',
};

export function planLines(plan: readonly PlannedCandidate[]): string[] {
  const next = plan.find((c) => c.skip === undefined);
  return plan.map(
    (c, i) =>
      `  ${i + 1}. ${c.providerId}/${c.modelId}  headroom ${(c.headroom * 100).toFixed(0)}%  ` +
      `keys ${c.usableKeys}/${c.totalKeys} usable  ` +
      (c.skip
        ? `skipped: ${c.skip}${c.retryAfterMs === undefined ? '' : `, back in ${seconds(c.retryAfterMs)}`}`
        : `ready${c === next ? '  ← the next request goes here' : ''}`),
  );
}

function usageTotals(records: readonly UsageRecord[]): string[] {
  const by = new Map<string, { attempts: number; served: number; tokens: number; costUsd: number }>();
  for (const r of records) {
    const name = `${r.providerId}/${r.modelId}`;
    const t = by.get(name) ?? { attempts: 0, served: 0, tokens: 0, costUsd: 0 };
    t.attempts++;
    if (r.status === 'success') t.served++;
    t.tokens += r.totalTokens;
    t.costUsd += r.costUsd ?? 0;
    by.set(name, t);
  }
  return [...by].map(
    ([name, t]) =>
      `  ${name}: ${t.served} served of ${t.attempts} attempt(s), ${t.tokens} tokens, $${t.costUsd.toFixed(6)}`,
  );
}

import type { ModelRouter } from 'model-router';

/** One failover or failed request, as the dashboard lists it: codes and ids only, never text. */
export interface ActivityItem {
  at: number;
  type: 'failover' | 'error';
  requestId: string;
  model?: string;
  from?: string;
  to?: string;
  action?: string;
  reason: string;
  status?: number;
}

/** Per-minute totals, by group (or direct model) and by provider. */
export interface MinuteBucket {
  minute: number;
  byGroup: Record<string, { requests: number; tokens: number; costUsd: number }>;
  byProvider: Record<string, { requests: number; tokens: number; costUsd: number }>;
}

const MINUTES = 60;
/** Most distinct groups/providers tracked per minute: the catalog bounds them; this caps a hostile one. */
const MAX_KEYS = 500;

/**
 * What the dashboard remembers from the router's events: the last `keep` failovers and errors, and
 * an hour of per-minute totals. Bounded whatever the traffic; holds no prompt, message or secret.
 */
export class Activity {
  private readonly items: ActivityItem[] = [];
  private readonly buckets: MinuteBucket[] = [];
  private readonly pending = new Map<string, { model: string; from?: string }>();
  private readonly offs: Array<() => void>;

  constructor(
    router: ModelRouter,
    private readonly keep: number,
    private readonly now: () => number = Date.now,
  ) {
    this.offs = [
      router.on('request', (e) => {
        if (this.pending.size < 100_000) this.pending.set(e.requestId, { model: e.groupName ?? e.model });
      }),
      router.on('failover', (e) => {
        const p = this.pending.get(e.requestId);
        const from = `${e.from.providerId}/${e.from.modelId}`;
        if (p) p.from = from;
        this.push({
          at: this.now(),
          type: 'failover',
          requestId: e.requestId,
          ...(p ? { model: p.model } : {}),
          from,
          action: e.action,
          reason: e.error.kind ?? e.error.code,
          ...(e.error.status !== undefined ? { status: e.error.status } : {}),
        });
      }),
      router.on('success', ({ requestId, result }) => {
        const p = this.pending.get(requestId);
        this.pending.delete(requestId);
        // Point the request's failovers at the model that finally served.
        if (p?.from) {
          const to = `${result.model.providerId}/${result.model.modelId}`;
          for (const item of this.items) if (item.requestId === requestId) item.to = to;
        }
        const group = p?.model ?? result.groupName ?? `${result.model.providerId}/${result.model.modelId}`;
        this.count(group, result.model.providerId, result.usage.totalTokens, 0, true);
      }),
      router.on('usage', (r) => {
        if (r.costUsd)
          this.count(r.groupName ?? `${r.providerId}/${r.modelId}`, r.providerId, 0, r.costUsd, false);
      }),
      router.on('failure', ({ requestId, error }) => {
        const p = this.pending.get(requestId);
        this.pending.delete(requestId);
        this.push({
          at: this.now(),
          type: 'error',
          requestId,
          ...(p ? { model: p.model } : {}),
          reason: error.code,
        });
        if (p) this.count(p.model, '(failed)', 0, 0, true);
      }),
    ];
  }

  recent(): ActivityItem[] {
    return [...this.items].reverse();
  }

  /** The last hour, one bucket per minute that saw traffic, oldest first. */
  series(): MinuteBucket[] {
    const since = Math.floor(this.now() / 60_000) - MINUTES + 1;
    return this.buckets.filter((b) => b.minute >= since);
  }

  close(): void {
    for (const off of this.offs) off();
    this.pending.clear();
  }

  private push(item: ActivityItem): void {
    this.items.push(item);
    if (this.items.length > this.keep) this.items.shift();
  }

  private count(group: string, provider: string, tokens: number, costUsd: number, request: boolean): void {
    const minute = Math.floor(this.now() / 60_000);
    let b = this.buckets[this.buckets.length - 1];
    if (!b || b.minute !== minute) {
      b = { minute, byGroup: {}, byProvider: {} };
      this.buckets.push(b);
      while (this.buckets.length > MINUTES) this.buckets.shift();
    }
    add(b.byGroup, group, tokens, costUsd, request);
    add(b.byProvider, provider, tokens, costUsd, request);
  }
}

function add(
  into: MinuteBucket['byGroup'],
  name: string,
  tokens: number,
  costUsd: number,
  request: boolean,
): void {
  let row = into[name];
  if (!row) {
    if (Object.keys(into).length >= MAX_KEYS) return;
    row = { requests: 0, tokens: 0, costUsd: 0 };
    into[name] = row;
  }
  if (request) row.requests++;
  row.tokens += tokens;
  row.costUsd += costUsd;
}

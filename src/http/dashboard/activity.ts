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

/** One row of a minute: requests, tokens, cost and the time they waited for capacity. */
export interface MinuteRow {
  requests: number;
  tokens: number;
  costUsd: number;
  /** Summed over the minute's requests (mean = queueWaitMs / requests). */
  queueWaitMs: number;
}

/** Per-minute totals, by group (or direct model) and by provider. */
export interface MinuteBucket {
  minute: number;
  byGroup: Record<string, MinuteRow>;
  byProvider: Record<string, MinuteRow>;
}

const MINUTES = 60;
/** Most distinct groups/providers tracked per minute: the catalog bounds them; this caps a hostile one. */
const MAX_KEYS = 500;

/**
 * What the dashboard remembers from the router's events: the last `keep` failovers and errors, and
 * an hour of per-minute totals. Bounded whatever the traffic (no per-request state: the `success`
 * and `failure` events name the model); holds no prompt, message or secret.
 */
export class Activity {
  private readonly items: ActivityItem[] = [];
  private readonly buckets: MinuteBucket[] = [];
  private readonly offs: Array<() => void>;

  constructor(
    router: ModelRouter,
    private readonly keep: number,
    private readonly now: () => number = Date.now,
  ) {
    this.offs = [
      router.on('failover', (e) => {
        this.push({
          at: this.now(),
          type: 'failover',
          requestId: e.requestId,
          from: `${e.from.providerId}/${e.from.modelId}`,
          action: e.action,
          reason: e.error.kind ?? e.error.code,
          ...(e.error.status !== undefined ? { status: e.error.status } : {}),
        });
      }),
      router.on('success', (e) => {
        const { requestId, model, result, queueWaitMs } = e;
        const served = e.operation === 'chat' ? e.result.model : e.result;
        // A request with failovers made several attempts: point its failovers at what finally served.
        if (result.attempts.length > 1) {
          const to = `${served.providerId}/${served.modelId}`;
          for (const item of this.items) if (item.requestId === requestId) Object.assign(item, { model, to });
        }
        this.count(model, served.providerId, result.usage.totalTokens, 0, true, queueWaitMs);
      }),
      router.on('usage', (r) => {
        if (r.costUsd)
          this.count(r.groupName ?? `${r.providerId}/${r.modelId}`, r.providerId, 0, r.costUsd, false, 0);
      }),
      router.on('failure', ({ requestId, error, model, queueWaitMs }) => {
        if (model !== undefined)
          for (const item of this.items) if (item.requestId === requestId) item.model = model;
        this.push({
          at: this.now(),
          type: 'error',
          requestId,
          ...(model !== undefined ? { model } : {}),
          reason: error.code,
        });
        if (model !== undefined) this.count(model, '(failed)', 0, 0, true, queueWaitMs);
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
  }

  private push(item: ActivityItem): void {
    this.items.push(item);
    if (this.items.length > this.keep) this.items.shift();
  }

  private count(
    group: string,
    provider: string,
    tokens: number,
    costUsd: number,
    request: boolean,
    queueWaitMs: number,
  ): void {
    const minute = Math.floor(this.now() / 60_000);
    let b = this.buckets[this.buckets.length - 1];
    if (!b || b.minute !== minute) {
      b = { minute, byGroup: {}, byProvider: {} };
      this.buckets.push(b);
      while (this.buckets.length > MINUTES) this.buckets.shift();
    }
    add(b.byGroup, group, tokens, costUsd, request, queueWaitMs);
    add(b.byProvider, provider, tokens, costUsd, request, queueWaitMs);
  }
}

function add(
  into: Record<string, MinuteRow>,
  name: string,
  tokens: number,
  costUsd: number,
  request: boolean,
  queueWaitMs: number,
): void {
  let row = into[name];
  if (!row) {
    if (Object.keys(into).length >= MAX_KEYS) return;
    row = { requests: 0, tokens: 0, costUsd: 0, queueWaitMs: 0 };
    into[name] = row;
  }
  if (request) row.requests++;
  row.tokens += tokens;
  row.costUsd += costUsd;
  row.queueWaitMs += queueWaitMs;
}

import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ModelRouter,
  type ProviderAdapter,
  type ProviderCall,
  type QuotaStore,
  type RouterEventName,
  type TimeoutOptions,
  type UsageRecord,
  memoryQuota,
  memoryStorage,
} from '../src/index.js';
import { type MockProvider, mockProvider } from '../src/testing/mock-provider.js';
import { PROVIDERS, WIRE_PROVIDER, soakCatalog } from './catalog.js';
import type { RequestState } from './checks.js';
import { estimateTokens } from './estimate.js';
import { ROUTER_LIMITS, mockStep, planReply } from './faults.js';
import { rng } from './prng.js';
import { WIRE, type WireFormatName } from './wire-formats.js';
import type { CanaryScanner } from './probes.js';

/** The soak index of the request the current code runs for (set around every router call). */
export const requestScope = new AsyncLocalStorage<number>();

/** The adapters' size caps, small so that huge lines and oversized bodies cost little to send. */
export const LIMITS = { maxLineBytes: 4096, maxEventBytes: 8192, maxBodyBytes: 64 * 1024 };

const EVENTS: RouterEventName[] = [
  'request',
  'attempt',
  'failover',
  'cooldown',
  'success',
  'failure',
  'usage',
  'catalog',
  'error',
];

/**
 * The router under test with everything the checker needs around it: two mock providers and the
 * wire adapter (each call counted), a storage that counts what reached the ledger, an `onUsage` hook
 * that collects every record and then misbehaves, and event listeners that count, scan for the
 * canary, throw, reject or hang — all decided per record or event from the seed.
 */
export class SoakHarness {
  readonly router: ModelRouter;
  readonly mocks = new Map<string, MockProvider>();
  /** Calls the wire adapter received since the last checkpoint. */
  wireCalls: Array<{ idx: number; keyId: string }> = [];
  /** Requests of the current batch, by index. */
  requests = new Map<number, RequestState>();
  /** Usage records of the current batch, by request id. */
  records = new Map<string, UsageRecord[]>();
  totalRecords = 0;
  ledgerWritten = 0;
  failoverEvents = 0;
  readonly injected = { hookFailures: 0, listenerFailures: 0, writeFailures: 0 };
  /** Usage records the router reported as not written (`error` events with `records`). */
  reportedLost = 0;
  readonly errorEvents: Record<string, number> = {};
  /** Leases the quota store granted since the last checkpoint, by request index (-1: outside any request). */
  leases = new Map<number, number>();
  private readonly slowHooks = new Set<Promise<void>>();
  private hungHooks: Array<() => void> = [];

  constructor(
    private readonly seed: number,
    baseURL: string,
    private readonly canary: CanaryScanner,
    timeouts: TimeoutOptions,
    /** The quota store (the router closes it): one-second windows of the memory store by default. */
    quota?: QuotaStore,
    /** The wire format of the loopback provider, and so the adapter that calls it. */
    format: WireFormatName = 'openai',
  ) {
    for (const id of PROVIDERS) {
      if (id === WIRE_PROVIDER) continue;
      this.mocks.set(
        id,
        mockProvider({
          name: id,
          respond: (call) => {
            const idx = Number(call.request.metadata?.soak);
            return mockStep(planReply(seed, idx, id, call.keyId, call.stream, false), call.stream);
          },
        }),
      );
    }
    // embed() of the mocks: the same planned reply as a chat call of that request at that key —
    // errors, 429s with Retry-After, hangs (abort honoured or not), delays, usage absent or garbage —
    // run by the mock's own complete(), which records the call; a success becomes one vector per input.
    for (const [id, mock] of this.mocks) {
      mock.embed = async (call) => {
        const idx = requestScope.getStore() ?? -1;
        const chat = { ...call, request: { messages: [], metadata: { soak: String(idx) } } };
        const res = await mock.complete(chat as unknown as ProviderCall);
        const u = res.usage;
        return {
          embeddings: call.request.input.map((_, i) => [i, idx % 97, id.length]),
          ...(u ? { usage: { promptTokens: u.promptTokens, totalTokens: u.promptTokens } } : {}),
          ...(res.responseModel ? { responseModel: res.responseModel } : {}),
        };
      };
    }
    const http = WIRE[format].adapter(baseURL, LIMITS);
    const wire: ProviderAdapter = {
      name: http.name,
      complete: (call) => {
        this.wireCalls.push({ idx: Number(call.request.metadata?.soak), keyId: call.key.id });
        return http.complete(call);
      },
      stream: (call) => {
        this.wireCalls.push({ idx: Number(call.request.metadata?.soak), keyId: call.key.id });
        return http.stream(call);
      },
    };
    // The ledger fails one write in 30 (before writing anything): the buffer must retry, and what it
    // cannot write must come back through the `error` event — written + reported = records.
    const store = memoryStorage({ catalog: soakCatalog() });
    let writeNo = 0;
    const storage = Object.assign(Object.create(null), store, {
      usageBatching: { maxBatch: 200, flushMs: 20, maxBuffered: 20_000 },
      recordUsage: async (records: readonly UsageRecord[]) => {
        if (rng(seed, 'ledger write', writeNo++).chance(1 / 30)) {
          this.injected.writeFailures++;
          throw new Error('soak: ledger write failed (connection reset)');
        }
        this.ledgerWritten += records.length;
        await store.recordUsage(records);
      },
    });
    this.router = new ModelRouter({
      storage,
      // One-second windows: rpm/tpm bind under load and recover within a second (real time, no manual clock).
      quota: this.countLeases(quota ?? memoryQuota({ windowMs: 1_000 })),
      adapters: { ...Object.fromEntries(this.mocks), [WIRE_PROVIDER]: wire },
      timeouts,
      limits: ROUTER_LIMITS,
      cooldown: { defaultMs: 30, minMs: 2, maxMs: 100, quarantineMs: 150 },
      circuitBreaker: { failureThreshold: 5, openMs: 40 },
      retryBudget: { ratio: 1, minPerSecond: 50, windowMs: 1_000 },
      estimateTokens,
      onUsage: (record) => this.onUsage(record),
    });
    this.listen();
  }

  /**
   * The store, counting the leases it grants per request: the router returns a lease without an
   * attempt (and without a usage record) when its caller left while the store was reserving, which an
   * asynchronous store (Redis: one round trip) makes a real window. The checker allows exactly that.
   */
  private countLeases(store: QuotaStore): QuotaStore {
    const reserve: QuotaStore['reserve'] = async (input) => {
      const idx = requestScope.getStore() ?? -1;
      const result = await store.reserve(input);
      if (result.ok) this.leases.set(idx, (this.leases.get(idx) ?? 0) + 1);
      return result;
    };
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'reserve') return reserve;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** Resolve the hooks left hanging; returns how many there were. */
  releaseHungHooks(): number {
    const n = this.hungHooks.length;
    for (const resolve of this.hungHooks) resolve();
    this.hungHooks = [];
    return n;
  }

  /** Wait for the slow (timer-driven) hooks this harness started. */
  async settleSlowHooks(): Promise<void> {
    await Promise.all([...this.slowHooks]);
  }

  private onUsage(record: UsageRecord): void | Promise<void> {
    this.totalRecords++;
    const list = this.records.get(record.requestId);
    if (list) list.push(record);
    else this.records.set(record.requestId, [record]);
    this.canary.scan('usage record', record);
    const x = rng(this.seed, record.requestId, record.attempt, 'hook').next();
    if (x < 0.02) {
      this.injected.hookFailures++;
      throw new Error('soak: onUsage hook threw');
    }
    if (x < 0.04) {
      this.injected.hookFailures++;
      return Promise.reject(new Error('soak: onUsage hook rejected'));
    }
    if (x < 0.06) {
      const p = new Promise<void>((resolve) => setTimeout(resolve, 1 + Math.floor(x * 400)));
      this.slowHooks.add(p);
      void p.finally(() => this.slowHooks.delete(p));
      return p;
    }
    if (x < 0.065) return new Promise<void>((resolve) => this.hungHooks.push(resolve));
  }

  private stateOf(requestId: string): RequestState | undefined {
    return this.requests.get(Number(requestId.slice(5)));
  }

  private listen(): void {
    const { router, seed } = this;
    for (const name of EVENTS) {
      router.on(name, (payload) => {
        this.canary.scan(`event ${name}`, payload);
        const inner = (payload as { error?: unknown }).error;
        if (inner instanceof Error) this.canary.scan(`event ${name} error`, inner);
      });
    }
    router.on('success', (p) => {
      const st = this.stateOf(p.requestId);
      if (st) st.successEvents++;
    });
    router.on('failure', (p) => {
      const st = this.stateOf(p.requestId);
      if (st) st.failureEvents++;
    });
    router.on('failover', (p) => {
      this.failoverEvents++;
      const st = this.stateOf(p.requestId);
      if (st) st.failoverEvents++;
      // A listener that never finishes.
      if (rng(seed, p.requestId, p.attempt, 'hang').chance(0.1)) return new Promise<never>(() => {}) as never;
    });
    router.on('attempt', (p) => {
      const st = this.stateOf(p.requestId);
      if (st) st.attemptEvents++;
      if (rng(seed, p.requestId, p.attempt, 'throw').chance(0.02)) {
        this.injected.listenerFailures++;
        throw new Error('soak: attempt listener threw');
      }
    });
    router.on('success', async (p) => {
      if (rng(seed, p.requestId, 'reject').chance(0.02)) {
        this.injected.listenerFailures++;
        throw new Error('soak: async success listener rejected');
      }
    });
    router.on('error', (p) => {
      const n = (this.errorEvents[p.source] ?? 0) + 1;
      this.errorEvents[p.source] = n;
      if (p.records) this.reportedLost += p.records.length;
      if (n % 7 === 0) throw new Error('soak: error listener threw (must be ignored)');
    });
  }
}

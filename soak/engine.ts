import type { ChatRequest, CompletionResult, QuotaAccounting, TimeoutOptions } from '../src/index.js';
import { tokensForChars } from '../src/usage/estimate.js';
import { CANARY, EMBED_GROUP, MODELS, WIRE_PROVIDER, secretOf } from './catalog.js';
import {
  type CallSeen,
  type RequestState,
  type Tallies,
  checkRequest,
  newTallies,
  observePart,
  releasedProblems,
} from './checks.js';
import { CatalogChurn } from './churn.js';
import { estimateTokens } from './estimate.js';
import { type FaultWeights, planRequest } from './faults.js';
import { LIMITS, SoakHarness, requestScope } from './harness.js';
import { type Hit, type LoopbackServer, startLoopbackServer } from './http-mock.js';
import { rng } from './prng.js';
import type { WireFormatName } from './wire-formats.js';
import { CanaryScanner, activeTimeouts, probeProcess, probeTimers, trackedController } from './probes.js';
import { SoakRedis } from './redis-store.js';
import { type RelayServer, callRelay, planRelay, startRelay } from './relay.js';

export interface SoakOptions {
  requests: number;
  seed: number;
  /** Callers running at once. */
  concurrency: number;
  /** Requests between two quiescent checkpoints (every invariant is checked at each). @default 500 */
  batchSize?: number;
  /** Override the short real timeouts. */
  timeouts?: TimeoutOptions;
  /** Called after each checkpoint with what it found. */
  onBatch?: (batch: BatchSummary) => void;
  /** `global.gc`, to sample the heap at checkpoints (the runner only; never a test assertion). */
  gc?: () => void;
  /** Record creation stacks of timers, to name a leak. */
  traceTimers?: boolean;
  /** How long to wait, after close, for fetch's idle pooled sockets to reach their keep-alive timeout. @default 6000 */
  socketDrainMs?: number;
  /** Admin writes during each batch (limits, disabled and removed keys, group members), undone before its checkpoint. @default true */
  churn?: boolean;
  /**
   * The quota store: the in-memory one, or `redisQuota` over `redisUrl` under a prefix of this run's
   * own (its keys are deleted, and the client quit, at the end). @default 'memory'
   */
  quota?: 'memory' | 'redis';
  /** For `quota: 'redis'`. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  redisUrl?: string;
  /**
   * Share of requests (0..1) sent by fetch through `createRelayHandler` on node:http (OpenAI format,
   * plain and SSE), instead of calling the router directly. @default 0
   */
  relayShare?: number;
  /**
   * Share of requests (0..1) that call `router.embed()` on the embeddings group (the in-process
   * providers embed under the same fault plan as their chat calls; the wire provider's adapter has
   * none and is skipped), with the same invariants: settled once, a record per attempt, tokens
   * (completion 0), every slot released. @default 0.1
   */
  embedShare?: number;
  /**
   * Weights of the wire faults, replacing the defaults (e.g. `{ endless: 10 }` to meet endless
   * streams often in a short run). @default the menu of `faults.ts`
   */
  wireFaults?: FaultWeights;
  /**
   * The wire format of the loopback provider and its adapter: `openaiCompatible`, `anthropic`,
   * `gemini` or `bedrock` (binary event stream). Every wire fault is written in it. @default 'openai'
   */
  wire?: WireFormatName;
}

export interface RelayFigures {
  requests: number;
  routed: number;
  statuses: Record<string, number>;
  endings: Record<string, number>;
  actions: Record<string, number>;
}

export interface BatchSummary {
  index: number;
  requests: number;
  records: number;
  violations: string[];
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SoakReport {
  seed: number;
  requests: number;
  concurrency: number;
  batches: number;
  durationMs: number;
  attempts: number;
  attemptsPerRequest: number;
  /** Requests that made at least one attempt (the rest were refused: quota, queue, abort, validation). */
  requestsWithAttempts: number;
  /** Requests that needed more than one attempt. */
  requestsWithFailover: number;
  failoverRate: number;
  failoverEvents: number;
  outcomes: Record<string, number>;
  behaviours: Record<string, number>;
  /** `embed()` requests, by outcome (`ok` or the error code). */
  embeds: Record<string, number>;
  providerCalls: Record<string, number>;
  serverHits: number;
  tallies: Tallies;
  ledgerWritten: number;
  reportedLost: number;
  errorEvents: Record<string, number>;
  injected: { hookFailures: number; listenerFailures: number; writeFailures: number };
  leases: QuotaAccounting | undefined;
  /** Leases the router returned without an attempt because the caller had left while the store reserved. */
  leasesReturnedUnused: number;
  quota: 'memory' | 'redis';
  /** Redis keys of the run deleted at the end (and left after deletion: must be 0). */
  redisKeys?: { deleted: number; left: number };
  relay?: RelayFigures;
  heapMB?: { baseline: number; final: number; delta: number; samples: number[] };
  invariants: Invariant[];
  violations: string[];
  violationCount: number;
}

/**
 * Short, real timeouts. Not shorter: node's fetch costs about a millisecond of CPU per request on
 * loopback, so with 64 callers a healthy HTTP attempt can wait tens of milliseconds for the event
 * loop, and a 40 ms deadline measures that queue (every wire attempt timed out before the server saw
 * it), not the faults.
 */
const DEFAULT_TIMEOUTS: TimeoutOptions = {
  attemptMs: 250,
  firstChunkMs: 250,
  idleMs: 100,
  totalMs: 1_500,
  queueWaitMs: 25,
};

/**
 * Run the chaos soak: `requests` seeded requests from `concurrency` callers against 3 providers × 4
 * keys (two in-process mocks, one `openaiCompatible` adapter over loopback HTTP), with faults at the
 * providers and misbehaving callers, hooks and listeners. At every checkpoint (`batchSize` requests,
 * then quiescence) and at the end, it checks that nothing is held, every attempt is accounted for,
 * every request ended once, and nothing leaked (listeners, timers, sockets, the canary secret).
 *
 * Real time throughout, no manual clock: the quota store runs one-second windows (limits bind under
 * load and recover within a second instead of a minute), cooldowns and circuit breakers are clamped
 * to tens of milliseconds, and hangs are cut by timeouts of a few hundred milliseconds at most.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { seed, concurrency, requests: total } = options;
  const batchSize = options.batchSize ?? 500;
  const started = Date.now();
  const violations: string[] = [];
  const violationCounts: Record<string, number> = {};
  let batchViolations: string[] = [];
  const violate = (category: string, message: string) => {
    violationCounts[category] = (violationCounts[category] ?? 0) + 1;
    if (violations.length < 100) violations.push(`[${category}] ${message}`);
    if (batchViolations.length < 100) batchViolations.push(`[${category}] ${message}`);
  };

  const quotaKind = options.quota ?? 'memory';
  const relayShare = options.relayShare ?? 0;
  const embedShare = options.embedShare ?? 0.1;
  // The Redis client connects before the probes are installed: its connection is not the router's.
  let redis: SoakRedis | undefined =
    quotaKind === 'redis'
      ? await SoakRedis.open(options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', seed)
      : undefined;
  const timeoutsBefore = activeTimeouts();
  const timers = probeTimers({ stacks: options.traceTimers ?? false });
  const proc = probeProcess();
  const canary = new CanaryScanner(CANARY);
  let server: LoopbackServer | undefined;
  let h: SoakHarness | undefined;
  let relay: RelayServer | undefined;
  try {
    const keys = new Map<string, string>();
    for (let i = 0; i < 4; i++) keys.set(secretOf(WIRE_PROVIDER, i), `${WIRE_PROVIDER}-k${i}`);
    server = await startLoopbackServer({
      seed,
      providerId: WIRE_PROVIDER,
      keys,
      ...LIMITS,
      ...(options.wireFaults ? { wireWeights: options.wireFaults } : {}),
      ...(options.wire ? { format: options.wire } : {}),
    });
    const srv = server;
    const harness = new SoakHarness(
      seed,
      srv.baseURL,
      canary,
      { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      redis?.store,
      options.wire,
    );
    h = harness;
    const router = harness.router;
    await router.ready();
    // Router-side endings of relayed requests still to come.
    const relayPending = new Set<Promise<unknown>>();
    if (relayShare > 0) relay = await startRelay(router, () => harness.requests, relayPending);
    const relaySrv = relay;
    const relayFigures: RelayFigures = { requests: 0, routed: 0, statuses: {}, endings: {}, actions: {} };
    const timeoutsWithServer = activeTimeouts();
    const churn = new CatalogChurn(router, seed, canary);

    const outcomes: Record<string, number> = {};
    const behaviours: Record<string, number> = {};
    const embeds: Record<string, number> = {};
    const providerCalls: Record<string, number> = {};
    const tallies = newTallies();
    const inTransit = new Set<string>();
    let requestsWithFailover = 0;
    let requestsWithAttempts = 0;
    const heapSamples: number[] = [];
    let leaseBase = router.stats().leases?.acquired ?? 0;
    /** Leases returned unused because their caller had left while the store reserved (no record, by design). */
    let leasesReturnedUnused = 0;

    // Every router call of a request runs in its scope, so that the store's leases are counted per request.
    const runOne = (idx: number): Promise<void> => requestScope.run(idx, () => runRequest(idx));
    const runRequest = async (idx: number): Promise<void> => {
      const plan = planRequest(seed, idx, MODELS);
      const signal = trackedController();
      const request: ChatRequest = {
        model: plan.model,
        messages: plan.messages,
        metadata: { soak: String(idx) },
        providerOptions: { [WIRE_PROVIDER]: { soak_req: idx } },
        ...(plan.maxTokens ? { maxTokens: plan.maxTokens } : {}),
      };
      if (rng(seed, idx, 'embed').chance(embedShare)) return runEmbed(idx, plan, signal);
      const st = newRequestState(idx, plan, estimateTokens(request), signal);
      harness.requests.set(idx, st);
      if (relaySrv && rng(seed, idx, 'via relay').chance(relayShare)) {
        // Through the HTTP relay: the caller's side is its own (see relay.ts); `behaviour` is not used.
        const rs = planRelay(seed, idx, plan);
        st.relay = rs;
        const key = `relay:${plan.stream ? 'stream' : 'complete'}:${rs.action}`;
        behaviours[key] = (behaviours[key] ?? 0) + 1;
        await callRelay(relaySrv.url, plan, idx, rs, rng(seed, idx, 'relay abort').int(0, 40), canary);
        return;
      }
      behaviours[plan.behaviour] = (behaviours[plan.behaviour] ?? 0) + 1;
      const settle = (p: Promise<CompletionResult>) =>
        p.then(
          (v) => {
            st.settles++;
            st.result = v;
          },
          (e: unknown) => {
            st.settles++;
            st.error = e;
            canary.scan('caller error', e);
          },
        );
      const opts = { signal: signal.signal, requestId: st.requestId };
      if (plan.behaviour === 'pre_aborted')
        signal.controller.abort(new Error('soak: aborted before sending'));
      if (!plan.stream) {
        const timer =
          plan.behaviour === 'abort_after'
            ? setTimeout(() => signal.controller.abort(new Error('soak: caller gave up')), plan.param)
            : undefined;
        await settle(router.complete(request, opts));
        clearTimeout(timer);
        return;
      }
      const s = router.stream(request, opts);
      const done = settle(s.result);
      if (plan.behaviour === 'abandon') return void (await done); // never iterated
      st.iterated = true;
      let content = 0;
      try {
        for await (const part of s) {
          observePart(st, part);
          if (part.type !== 'text-delta' && part.type !== 'tool-call-delta') continue;
          content++;
          if (plan.behaviour === 'slow_reader') await new Promise<void>((r) => setImmediate(r));
          else if (plan.behaviour === 'break_after' && content >= plan.param) break;
          else if (plan.behaviour === 'throw_in_loop') throw new Error('soak: consumer bug');
          else if (plan.behaviour === 'cancel_after_first' && content === 1) s.cancel('soak: enough');
          else if (plan.behaviour === 'abort_mid_stream' && content === 1)
            signal.controller.abort(new Error('soak: caller left'));
        }
      } catch (error) {
        canary.scan('stream iteration error', error);
      } finally {
        st.iterationEnds++;
      }
      await done;
    };

    /**
     * An `embed()` request: the chat plan's texts as inputs, called directly (never streamed; the
     * caller may abort before sending or give up after a while, as for complete()).
     */
    const runEmbed = async (
      idx: number,
      chatPlan: ReturnType<typeof planRequest>,
      signal: ReturnType<typeof trackedController>,
    ): Promise<void> => {
      const input = chatPlan.messages.map((m) => (typeof m.content === 'string' ? m.content : ''));
      const behaviour = chatPlan.stream ? 'normal' : chatPlan.behaviour;
      const plan = { ...chatPlan, stream: false, behaviour };
      const st = newRequestState(idx, plan, tokensForChars(input.join('').length), signal);
      st.embed = true;
      harness.requests.set(idx, st);
      const opts = { signal: signal.signal, requestId: st.requestId };
      if (behaviour === 'pre_aborted') signal.controller.abort(new Error('soak: aborted before sending'));
      const timer =
        behaviour === 'abort_after'
          ? setTimeout(() => signal.controller.abort(new Error('soak: caller gave up')), plan.param)
          : undefined;
      await router.embed({ model: EMBED_GROUP, input }, opts).then(
        (v) => {
          st.settles++;
          st.result = v as unknown as CompletionResult; // the checks read its attempts only
          embeds.ok = (embeds.ok ?? 0) + 1;
        },
        (e: unknown) => {
          st.settles++;
          st.error = e;
          canary.scan('caller error', e);
          const code = (e as { code?: string }).code ?? 'other';
          embeds[code] = (embeds[code] ?? 0) + 1;
        },
      );
      clearTimeout(timer);
    };

    const checkpoint = async (index: number, count: number, last: boolean): Promise<void> => {
      // The last checkpoint leaves hung onUsage hooks hanging: close() must give them their grace.
      if (!last) harness.releaseHungHooks();
      await harness.settleSlowHooks();
      if (relaySrv) {
        // The relay's callers are done; the router's side of what they sent ends by itself.
        await until(() => relaySrv.openResponses() === 0 && relayPending.size === 0, 3_000);
        if (relaySrv.openResponses() !== 0)
          violate(
            'relay',
            `checkpoint ${index}: relay still writing ${relaySrv.openResponses()} response(s)`,
          );
        if (relayPending.size !== 0)
          violate(
            'relay',
            `checkpoint ${index}: ${relayPending.size} relayed request(s) never ended in the router`,
          );
      }
      await until(() => srv.openRequests() === 0, 3_000);
      if (srv.openRequests() !== 0)
        violate('sockets', `server still serving ${srv.openRequests()} request(s) after their callers ended`);
      if (redis) for (const p of await redis.inFlight()) violate('redis', `checkpoint ${index}: ${p}`);
      for (const p of await churn.catalogProblems()) violate('catalog', `checkpoint ${index}: ${p}`);
      for (const f of churn.failures.splice(0))
        violate('catalog', `checkpoint ${index}: admin write failed: ${f}`);
      const stats = router.stats();
      for (const p of releasedProblems(stats)) violate('released', `checkpoint ${index}: ${p}`);
      const acquired = stats.leases?.acquired ?? 0;
      let records = 0;
      for (const list of harness.records.values()) records += list.length;
      // Leases per request = its usage records, plus at most one returned unused when the caller left
      // (the request then ends ABORTED) while the store was reserving.
      let counted = 0;
      for (const [idx, n] of harness.leases) {
        counted += n;
        const st = harness.requests.get(idx);
        const recs = st ? (harness.records.get(st.requestId)?.length ?? 0) : 0;
        const code = (st?.error as { code?: string } | undefined)?.code;
        if (n === recs) continue;
        if (st && n === recs + 1 && code === 'ABORTED') leasesReturnedUnused++;
        else
          violate(
            'released',
            `checkpoint ${index}: request ${idx}: ${n} leases for ${recs} usage records (${code ?? 'success'})`,
          );
      }
      if (acquired - leaseBase !== counted)
        violate(
          'released',
          `checkpoint ${index}: store counted ${acquired - leaseBase} leases, requests ${counted}`,
        );
      leaseBase = acquired;
      harness.leases = new Map();

      // Calls per request and provider, as the mocks, the wire adapter and the server saw them.
      const calls = new Map<string, CallSeen[]>();
      const addCall = (idx: number, providerId: string, keyId: string) => {
        const k = `${idx}|${providerId}`;
        const list = calls.get(k);
        if (list) list.push({ keyId });
        else calls.set(k, [{ keyId }]);
        providerCalls[providerId] = (providerCalls[providerId] ?? 0) + 1;
      };
      for (const [id, mock] of harness.mocks) {
        for (const c of mock.calls) addCall(Number(c.request.metadata?.soak), id, c.keyId);
        mock.reset();
      }
      for (const c of harness.wireCalls) addCall(c.idx, WIRE_PROVIDER, c.keyId);
      harness.wireCalls = [];
      const hits = new Map<number, Hit[]>();
      for (const hit of srv.takeHits()) {
        if (harness.requests.has(hit.idx)) {
          const list = hits.get(hit.idx);
          if (list) list.push(hit);
          else hits.set(hit.idx, [hit]);
        } else if (!inTransit.delete(`${hit.idx}|${hit.keyId}`)) {
          violate('join', `server hit for soak-${hit.idx} at ${hit.keyId} that no attempt made`);
        }
      }
      for (const st of harness.requests.values()) {
        const recs = harness.records.get(st.requestId) ?? [];
        const stHits = hits.get(st.idx) ?? [];
        checkRequest(st, recs, {
          seed,
          ...(options.wireFaults ? { wireWeights: options.wireFaults } : {}),
          calls: (providerId) => calls.get(`${st.idx}|${providerId}`) ?? [],
          hits: stHits,
          inTransit,
          tallies,
          violate,
        });
        for (const hit of stHits)
          violate('join', `${st.requestId}: server hit at ${hit.keyId} without a usage record`);
        if (st.relay) {
          const rs = st.relay;
          const inc = (m: Record<string, number>, k: string) => {
            m[k] = (m[k] ?? 0) + 1;
          };
          relayFigures.requests++;
          if (rs.routed) relayFigures.routed++;
          inc(relayFigures.statuses, String(rs.status ?? 'none'));
          inc(relayFigures.endings, `${rs.ending ?? 'none'}${rs.aborted ? ' (aborted)' : ''}`);
          inc(relayFigures.actions, `${st.plan.stream ? 'stream' : 'complete'}:${rs.action}`);
        }
        if (recs.length > 0) requestsWithAttempts++;
        if (recs.length > 1) requestsWithFailover++;
        const e = st.error as { code?: string; details?: { reason?: string } } | undefined;
        const outcome =
          st.relay && !st.relay.routed
            ? 'relay:not routed'
            : st.result
              ? 'success'
              : `${e?.code ?? 'unknown'}${e?.details?.reason ? `:${e.details.reason}` : ''}`;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      options.onBatch?.({ index, requests: count, records, violations: batchViolations });
      batchViolations = [];
      harness.requests = new Map();
      harness.records = new Map();
      if (options.gc) {
        options.gc();
        heapSamples.push(process.memoryUsage().heapUsed / 1_048_576);
      }
    };

    let next = 0;
    let batches = 0;
    while (next < total) {
      const end = Math.min(total, next + batchSize);
      const size = end - next;
      const worker = async () => {
        while (next < end) await runOne(next++);
      };
      if (options.churn !== false) churn.start(batches);
      await Promise.all(Array.from({ length: Math.min(concurrency, size) }, worker));
      await churn.finish();
      await checkpoint(batches++, size, next >= total);
    }

    // Close with onUsage hooks still hanging: close() must flush and give them their grace.
    const closing = router.close();
    await new Promise<void>((r) => setImmediate(r));
    const hangingAtClose = harness.releaseHungHooks();
    let closeError: unknown;
    await closing.catch((e: unknown) => {
      closeError = e;
    });
    await harness.settleSlowHooks();
    const finalStats = router.stats();
    const released = releasedProblems(finalStats);
    // The Redis store, closed by the router: nothing in flight in Redis nor in its view; then the
    // run's keys go and the client quits (before the timer count: the client's timers are ours).
    let redisProblems: string[] = [];
    let redisKeys: { deleted: number; left: number } | undefined;
    if (redis) {
      redisProblems = await redis.inFlight();
      redisKeys = await redis.dispose();
      redis = undefined;
    }
    // Every response the router started must be cancelled or finished by now...
    await until(() => srv.openRequests() === 0, 3_000);
    const openAfterClose = srv.openRequests();
    // ...and the sockets fetch's pool keeps (some were opened for requests aborted before they were
    // written) close at the pool's keep-alive timeout (4 s): nothing may stay open after that.
    await until(
      async () => (await srv.connections()) === 0 && (relaySrv?.connections() ?? 0) === 0,
      options.socketDrainMs ?? 6_000,
    );
    const socketsAfterClose = await srv.connections();
    const relayOpenAfterClose = relaySrv?.openResponses() ?? 0;
    const relaySocketsAfterClose = relaySrv?.connections() ?? 0;
    const socketsLeft = srv.describeConnections().slice(0, 5);
    const liveTimers = timers.live();
    const timerStacks = timers.liveStacks().slice(0, 5);
    const timeoutsAfterClose = activeTimeouts();
    await srv.close();
    server = undefined;
    await relay?.close();
    relay = undefined;
    const timeoutsAfterServer = activeTimeouts();
    let heapMB: SoakReport['heapMB'];
    if (options.gc) {
      options.gc();
      heapSamples.push(process.memoryUsage().heapUsed / 1_048_576);
      // Baseline after a tenth of the run: the default storage keeps its last 10,000 records by design.
      const baseline =
        heapSamples[Math.min(heapSamples.length - 1, Math.max(1, Math.floor(heapSamples.length / 10)))]!;
      const final = heapSamples.at(-1)!;
      heapMB = { baseline, final, delta: final - baseline, samples: heapSamples };
    }
    for (const line of proc.output) canary.scan('console output', line);

    const count = (c: string) => violationCounts[c] ?? 0;
    const { injected, errorEvents } = harness;
    const leases = finalStats.leases;
    const invariants: Invariant[] = [
      inv(
        'nothing held (stats after every checkpoint and after close)',
        count('released') === 0 && released.length === 0,
        released.join('; ') || `${batches} checkpoints and close clean`,
      ),
      inv(
        'leases: acquired = released = attempts, none outstanding, no double release',
        !!leases &&
          leases.acquired === leases.released &&
          leases.outstanding === 0 &&
          leases.doubleReleases === 0 &&
          leases.acquired === harness.totalRecords + leasesReturnedUnused,
        `${JSON.stringify(leases)}; ${harness.totalRecords} records + ${leasesReturnedUnused} returned unused (caller left while the store reserved)`,
      ),
      inv(
        'usage records = attempts the providers saw',
        count('join') === 0 && count('ledger') === 0,
        `${harness.totalRecords} records; adapter calls ${JSON.stringify(providerCalls)}; server hits ${srv.totalHits}; aborted before the adapter call ${tallies.preCallAborts}; cut before reaching the server ${tallies.inTransit} (late hits still unmatched ${inTransit.size})`,
      ),
      inv(
        'tokens = what providers reported / what was estimated',
        count('tokens') === 0,
        `prompt ${tallies.promptTokens}, completion ${tallies.completionTokens}; reported on successes ${tallies.reportedPromptTokens}/${tallies.reportedCompletionTokens}; estimated records ${tallies.estimatedRecords}`,
      ),
      inv(
        'each request ended exactly once, failures as RouterError',
        count('once') === 0 && count('typed') === 0,
        `${total} requests`,
      ),
      inv(
        'catalog writes during traffic: every write applied, catalog restored at each checkpoint',
        count('catalog') === 0,
        `${churn.writes} admin writes`,
      ),
      inv(
        'streams: one start, content never duplicated nor leaked from failed attempts',
        count('stream') === 0,
        'every iterated stream',
      ),
      inv('caller AbortSignals have no listeners left', count('listeners') === 0, 'every request'),
      inv(
        'no timers left',
        liveTimers === 0 && timeoutsAfterClose <= timeoutsWithServer && timeoutsAfterServer <= timeoutsBefore,
        `live ${liveTimers}; active Timeout handles ${timeoutsBefore} before, ${timeoutsAfterClose} after close, ${timeoutsAfterServer} after server close${timerStacks.length ? `; ${timerStacks.join(' | ')}` : ''}`,
      ),
      inv(
        'no sockets left to the mock server',
        openAfterClose === 0 && socketsAfterClose === 0 && count('sockets') === 0,
        `open requests ${openAfterClose}; connections after the pool's keep-alive ${socketsAfterClose}${socketsLeft.length ? `: ${socketsLeft.join('; ')}` : ''}`,
      ),
      inv(
        'no unhandled rejection, no process warning',
        proc.unhandled.length === 0 && proc.warnings.length === 0,
        `unhandled ${proc.unhandled.length}${proc.unhandled.length ? ` (${String(proc.unhandled[0])})` : ''}; warnings ${proc.warnings.slice(0, 3).join('; ') || 0}`,
      ),
      inv(
        'canary secret nowhere (errors, events, usage, console)',
        canary.found.length === 0,
        canary.found[0] ?? `${canary.scanned} values scanned`,
      ),
      inv(
        'ledger (failing 1 write in 30): written + reported as lost = records, nothing lost silently',
        harness.ledgerWritten + harness.reportedLost === harness.totalRecords &&
          (errorEvents.usage ?? 0) >= Math.min(1, injected.writeFailures) &&
          closeError === undefined,
        `${harness.ledgerWritten} written + ${harness.reportedLost} reported of ${harness.totalRecords}; ${injected.writeFailures} write failures injected, ${errorEvents.usage ?? 0} usage error events; close ${closeError ? String(closeError) : 'ok'}; onUsage hooks hanging at close ${hangingAtClose}`,
      ),
      inv(
        'hook and listener failures reported as error events, never thrown; no other internal error',
        (errorEvents.hook ?? 0) === injected.hookFailures &&
          (errorEvents.listener ?? 0) === injected.listenerFailures &&
          Object.keys(errorEvents).every((source) => ['hook', 'listener', 'usage'].includes(source)),
        `hook ${errorEvents.hook ?? 0}/${injected.hookFailures}, listener ${errorEvents.listener ?? 0}/${injected.listenerFailures}; all error events ${JSON.stringify(errorEvents)}`,
      ),
    ];
    if (quotaKind === 'redis') {
      invariants.push(
        inv(
          "Redis quota store: no lease left in Redis nor in the store's view (every checkpoint and after close); run keys deleted",
          count('redis') === 0 && redisProblems.length === 0 && redisKeys?.left === 0,
          `${redisProblems.slice(0, 5).join('; ') || `${batches} checkpoints and close clean`}; keys deleted ${redisKeys?.deleted}, left ${redisKeys?.left}`,
        ),
      );
    }
    if (relaySrv) {
      invariants.push(
        inv(
          'HTTP relay: every response well-formed and true to the router; no open response or socket left',
          count('relay') === 0 && relayOpenAfterClose === 0 && relaySocketsAfterClose === 0,
          `${relayFigures.requests} relayed (${relayFigures.routed} routed); statuses ${JSON.stringify(relayFigures.statuses)}; endings ${JSON.stringify(relayFigures.endings)}; open responses ${relayOpenAfterClose}, sockets ${relaySocketsAfterClose} after close`,
        ),
      );
    }
    if (heapMB) {
      invariants.push(
        inv(
          'heap flat (after gc)',
          heapMB.delta < 16,
          `baseline ${heapMB.baseline.toFixed(1)} MB → final ${heapMB.final.toFixed(1)} MB (Δ ${heapMB.delta.toFixed(1)} MB)`,
        ),
      );
    }
    return {
      seed,
      requests: total,
      concurrency,
      batches,
      durationMs: Date.now() - started,
      attempts: harness.totalRecords,
      attemptsPerRequest: harness.totalRecords / total,
      requestsWithAttempts,
      requestsWithFailover,
      failoverRate: requestsWithFailover / total,
      failoverEvents: harness.failoverEvents,
      outcomes,
      behaviours,
      embeds,
      providerCalls,
      serverHits: srv.totalHits,
      tallies,
      ledgerWritten: harness.ledgerWritten,
      reportedLost: harness.reportedLost,
      errorEvents,
      injected,
      leases,
      leasesReturnedUnused,
      quota: quotaKind,
      ...(redisKeys ? { redisKeys } : {}),
      ...(relaySrv ? { relay: relayFigures } : {}),
      ...(heapMB ? { heapMB } : {}),
      invariants,
      violations,
      violationCount: Object.values(violationCounts).reduce((a, b) => a + b, 0),
    };
  } finally {
    // On an exception above: leave nothing running behind us.
    h?.releaseHungHooks();
    await h?.router.close().catch(() => {});
    await server?.close();
    await relay?.close();
    if (redis) await redis.dispose().catch(() => redis?.disconnect());
    timers.uninstall();
    proc.uninstall();
  }
}

function newRequestState(
  idx: number,
  plan: RequestState['plan'],
  estimate: number,
  signal: RequestState['signal'],
): RequestState {
  return {
    idx,
    requestId: `soak-${idx}`,
    plan,
    estimate,
    signal,
    settles: 0,
    iterated: false,
    iterationEnds: 0,
    successEvents: 0,
    failureEvents: 0,
    failoverEvents: 0,
    attemptEvents: 0,
    starts: 0,
    finishes: 0,
    text: '',
    contentBeforeStart: false,
    partsAfterFinish: false,
  };
}

function inv(name: string, ok: boolean, detail: string): Invariant {
  return { name, ok, detail };
}

/** Poll about every millisecond until `condition` holds or `ms` pass. */
async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition()) && Date.now() < deadline) {
    await new Promise<void>((r) => setTimeout(r, 1));
  }
}

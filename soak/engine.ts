import type { ChatRequest, CompletionResult, QuotaAccounting, TimeoutOptions } from '../src/index.js';
import { CANARY, MODELS, WIRE_PROVIDER, secretOf } from './catalog.js';
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
import { planRequest } from './faults.js';
import { LIMITS, SoakHarness } from './harness.js';
import { type Hit, type LoopbackServer, startLoopbackServer } from './http-mock.js';
import { CanaryScanner, activeTimeouts, probeProcess, probeTimers, trackedController } from './probes.js';

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
  providerCalls: Record<string, number>;
  serverHits: number;
  tallies: Tallies;
  ledgerWritten: number;
  reportedLost: number;
  errorEvents: Record<string, number>;
  injected: { hookFailures: number; listenerFailures: number; writeFailures: number };
  leases: QuotaAccounting | undefined;
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

  const timeoutsBefore = activeTimeouts();
  const timers = probeTimers({ stacks: options.traceTimers ?? false });
  const proc = probeProcess();
  const canary = new CanaryScanner(CANARY);
  let server: LoopbackServer | undefined;
  let h: SoakHarness | undefined;
  try {
    const keys = new Map<string, string>();
    for (let i = 0; i < 4; i++) keys.set(secretOf(WIRE_PROVIDER, i), `${WIRE_PROVIDER}-k${i}`);
    server = await startLoopbackServer({ seed, providerId: WIRE_PROVIDER, keys, ...LIMITS });
    const srv = server;
    const timeoutsWithServer = activeTimeouts();
    const harness = new SoakHarness(seed, srv.baseURL, canary, { ...DEFAULT_TIMEOUTS, ...options.timeouts });
    h = harness;
    const router = harness.router;
    await router.ready();
    const churn = new CatalogChurn(router, seed, canary);

    const outcomes: Record<string, number> = {};
    const behaviours: Record<string, number> = {};
    const providerCalls: Record<string, number> = {};
    const tallies = newTallies();
    const inTransit = new Set<string>();
    let requestsWithFailover = 0;
    let requestsWithAttempts = 0;
    const heapSamples: number[] = [];
    let leaseBase = router.stats().leases?.acquired ?? 0;

    const runOne = async (idx: number): Promise<void> => {
      const plan = planRequest(seed, idx, MODELS);
      const signal = trackedController();
      const request: ChatRequest = {
        model: plan.model,
        messages: plan.messages,
        metadata: { soak: String(idx) },
        providerOptions: { [WIRE_PROVIDER]: { soak_req: idx } },
        ...(plan.maxTokens ? { maxTokens: plan.maxTokens } : {}),
      };
      const st = newRequestState(idx, plan, estimateTokens(request), signal);
      harness.requests.set(idx, st);
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

    const checkpoint = async (index: number, count: number, last: boolean): Promise<void> => {
      // The last checkpoint leaves hung onUsage hooks hanging: close() must give them their grace.
      if (!last) harness.releaseHungHooks();
      await harness.settleSlowHooks();
      await until(() => srv.openRequests() === 0, 3_000);
      if (srv.openRequests() !== 0)
        violate('sockets', `server still serving ${srv.openRequests()} request(s) after their callers ended`);
      for (const p of await churn.catalogProblems()) violate('catalog', `checkpoint ${index}: ${p}`);
      for (const f of churn.failures.splice(0))
        violate('catalog', `checkpoint ${index}: admin write failed: ${f}`);
      const stats = router.stats();
      for (const p of releasedProblems(stats)) violate('released', `checkpoint ${index}: ${p}`);
      const acquired = stats.leases?.acquired ?? 0;
      let records = 0;
      for (const list of harness.records.values()) records += list.length;
      if (acquired - leaseBase !== records)
        violate(
          'released',
          `checkpoint ${index}: ${acquired - leaseBase} leases for ${records} usage records`,
        );
      leaseBase = acquired;

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
          calls: (providerId) => calls.get(`${st.idx}|${providerId}`) ?? [],
          hits: stHits,
          inTransit,
          tallies,
          violate,
        });
        for (const hit of stHits)
          violate('join', `${st.requestId}: server hit at ${hit.keyId} without a usage record`);
        if (recs.length > 0) requestsWithAttempts++;
        if (recs.length > 1) requestsWithFailover++;
        const e = st.error as { code?: string; details?: { reason?: string } } | undefined;
        const outcome = st.result
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
    // Every response the router started must be cancelled or finished by now...
    await until(() => srv.openRequests() === 0, 3_000);
    const openAfterClose = srv.openRequests();
    // ...and the sockets fetch's pool keeps (some were opened for requests aborted before they were
    // written) close at the pool's keep-alive timeout (4 s): nothing may stay open after that.
    await until(async () => (await srv.connections()) === 0, options.socketDrainMs ?? 6_000);
    const socketsAfterClose = await srv.connections();
    const socketsLeft = srv.describeConnections().slice(0, 5);
    const liveTimers = timers.live();
    const timerStacks = timers.liveStacks().slice(0, 5);
    const timeoutsAfterClose = activeTimeouts();
    await srv.close();
    server = undefined;
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
          leases.acquired === harness.totalRecords,
        JSON.stringify(leases),
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
      providerCalls,
      serverHits: srv.totalHits,
      tallies,
      ledgerWritten: harness.ledgerWritten,
      reportedLost: harness.reportedLost,
      errorEvents,
      injected,
      leases,
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

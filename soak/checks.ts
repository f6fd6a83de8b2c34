import {
  type CompletionResult,
  RouterError,
  type RouterStats,
  type StreamPart,
  type UsageRecord,
} from '../src/index.js';
import { WIRE_PROVIDER } from './catalog.js';
import {
  type FaultWeights,
  type ReplyPlan,
  type RequestPlan,
  isPrefixOfReply,
  planReply,
  sentChars,
  sentChunks,
} from './faults.js';
import type { Hit } from './http-mock.js';
import type { TrackedController } from './probes.js';
import type { RelayState } from './relay.js';

/** What the harness saw of one request. */
export interface RequestState {
  idx: number;
  requestId: string;
  plan: RequestPlan;
  estimate: number;
  signal: TrackedController;
  /** complete(): settlements of its promise; stream(): of `result`. */
  settles: number;
  iterated: boolean;
  iterationEnds: number;
  result?: CompletionResult;
  error?: unknown;
  successEvents: number;
  failureEvents: number;
  failoverEvents: number;
  attemptEvents: number;
  // What the consumer read.
  starts: number;
  finishes: number;
  text: string;
  contentBeforeStart: boolean;
  partsAfterFinish: boolean;
  /** Sent through the HTTP relay: what its caller saw (the fields above are the router's side). */
  relay?: RelayState;
  /** An `embed()` request (its `result` is then an `EmbeddingResult`): no output tokens. */
  embed?: boolean;
}

export function observePart(st: RequestState, part: StreamPart): void {
  if (st.finishes > 0) st.partsAfterFinish = true;
  if (part.type === 'start') st.starts++;
  else if (part.type === 'finish') st.finishes++;
  else {
    if (st.starts === 0) st.contentBeforeStart = true;
    if (part.type === 'text-delta') st.text += part.text;
  }
}

/** One provider call as the harness knows it: the key used, and (for the wire) what the server sent. */
export interface CallSeen {
  keyId: string;
}

export interface Tallies {
  preCallAborts: number;
  inTransit: number;
  estimatedRecords: number;
  promptTokens: number;
  completionTokens: number;
  reportedPromptTokens: number;
  reportedCompletionTokens: number;
  statuses: Record<string, number>;
  faults: Record<string, number>;
  /** `providerId:errorCode` of failed attempts. */
  errorCodes: Record<string, number>;
  /** `fault → status[:errorCode]` of wire attempts the server answered: what each fault led to. */
  wireEndings: Record<string, number>;
}

export function newTallies(): Tallies {
  return {
    preCallAborts: 0,
    inTransit: 0,
    estimatedRecords: 0,
    promptTokens: 0,
    completionTokens: 0,
    reportedPromptTokens: 0,
    reportedCompletionTokens: 0,
    statuses: {},
    faults: {},
    errorCodes: {},
    wireEndings: {},
  };
}

export interface CheckContext {
  seed: number;
  /** The run's wire fault weights (see `SoakOptions.wireFaults`). */
  wireWeights?: FaultWeights;
  /** Calls each provider's adapter received for this request, in order. */
  calls: (providerId: string) => CallSeen[];
  /** Server hits of this request (consumed as they are matched). */
  hits: Hit[];
  /** `idx|keyId` of wire attempts that ended before the server saw them (a late hit may still come). */
  inTransit: Set<string>;
  tallies: Tallies;
  violate: (category: string, message: string) => void;
}

const zero = (r: UsageRecord) => r.promptTokens === 0 && r.completionTokens === 0 && r.totalTokens === 0;
const WIRE_CUT = new Set(['timeout', 'TIMEOUT', 'ABORTED', 'network']);

/** Every invariant of one finished request: exactly once, typed errors, listeners, stream content, ledger. */
export function checkRequest(st: RequestState, records: UsageRecord[], ctx: CheckContext): void {
  const { violate } = ctx;
  const id = st.requestId;
  if (st.relay) {
    checkRelay(st, records, ctx);
    // A caller that left before the relay routed its request: nothing may have happened in the router.
    if (!st.relay.routed) {
      if (records.length > 0 || st.settles > 0 || st.attemptEvents > 0)
        violate('relay', `${id}: never routed, yet ${records.length} records and ${st.settles} endings`);
      return;
    }
  }
  // Ended exactly once.
  if (st.settles !== 1) violate('once', `${id}: settled ${st.settles} times`);
  if (st.iterated && st.iterationEnds !== 1)
    violate('once', `${id}: iteration ended ${st.iterationEnds} times`);
  if (st.successEvents + st.failureEvents !== 1) {
    violate('once', `${id}: ${st.successEvents} success + ${st.failureEvents} failure events`);
  }
  if ((st.result !== undefined) === (st.error !== undefined))
    violate('once', `${id}: both or neither result and error`);
  if (st.error !== undefined && !RouterError.isInstance(st.error)) {
    violate('typed', `${id}: not a RouterError: ${String(st.error)}`);
  }
  if (st.signal.listeners() !== 0)
    violate('listeners', `${id}: ${st.signal.listeners()} abort listeners left`);

  // Records: attempts 1..n, one success exactly when the request succeeded, matching the summaries.
  records.forEach((r, i) => {
    if (r.attempt !== i + 1) violate('ledger', `${id}: record ${i} has attempt ${r.attempt}`);
  });
  const successes = records.filter((r) => r.status === 'success').length;
  if (successes !== (st.result ? 1 : 0)) violate('ledger', `${id}: ${successes} success records`);
  const summaries = st.result?.attempts ?? (RouterError.isInstance(st.error) ? st.error.attempts : undefined);
  if (summaries && summaries.length !== records.length) {
    violate('ledger', `${id}: ${summaries.length} attempt summaries, ${records.length} usage records`);
  }
  if (st.attemptEvents > records.length) violate('ledger', `${id}: more attempt events than records`);

  // Stream content: one start, content only after it, never mixed between attempts or duplicated.
  if (st.iterated) checkStreamContent(st, records, ctx);

  // Each record matches one call at the provider, and its tokens what that call reported.
  for (const providerId of new Set([...records.map((r) => r.providerId), 'alpha', 'beta', WIRE_PROVIDER])) {
    joinProvider(st, providerId, records, ctx);
  }
}

function checkStreamContent(st: RequestState, records: UsageRecord[], ctx: CheckContext): void {
  const id = st.requestId;
  if (st.starts > 1 || st.finishes > 1 || st.contentBeforeStart || st.partsAfterFinish) {
    ctx.violate('stream', `${id}: ${st.starts} starts, ${st.finishes} finishes, misplaced parts`);
  }
  const last = records.at(-1);
  if (st.text !== '') {
    const served = last
      ? planReply(
          ctx.seed,
          st.idx,
          last.providerId,
          last.keyId,
          true,
          last.providerId === WIRE_PROVIDER,
          ctx.wireWeights,
        )
      : undefined;
    if (!served || !isPrefixOfReply(served, st.text)) {
      ctx.violate('stream', `${id}: consumer text is not a prefix of the serving attempt's reply`);
    }
  }
  const readAll = st.plan.behaviour === 'read_all' || st.plan.behaviour === 'slow_reader';
  if (!readAll) return;
  if (st.result) {
    if (st.text !== st.result.message.content || st.starts !== 1 || st.finishes !== 1) {
      ctx.violate('stream', `${id}: streamed text differs from result or start/finish missing`);
    }
  } else if (RouterError.isInstance(st.error) && st.error.code !== 'STREAM_INTERRUPTED') {
    if (st.starts !== 0 || st.text !== '')
      ctx.violate('stream', `${id}: ${st.error.code} after content was shown`);
  }
}

/** A failed attempt that produced nothing may have been cut before its request reached the server. */
function mayBeCutInTransit(r: UsageRecord): boolean {
  return r.status !== 'success' && zero(r) && (r.status === 'aborted' || WIRE_CUT.has(r.errorCode ?? ''));
}

/**
 * Pairs the server's hits with this request's records at the same key (consuming the hits). Records
 * that must have reached the server pick first; the ones that may have been cut in transit take what
 * is left. In record order alone, a first attempt that timed out before its request left (a same-key
 * retry followed) would take the retry's hit and leave the retry — which did reach the server —
 * looking like a record without a request. Two hits at one key carry the same plan, so which of them
 * a record gets does not matter.
 */
function matchHits(records: UsageRecord[], hits: Hit[]): Map<UsageRecord, ReplyPlan> {
  const out = new Map<UsageRecord, ReplyPlan>();
  const take = (r: UsageRecord) => {
    const h = hits.findIndex((x) => x.keyId === r.keyId);
    if (h >= 0) out.set(r, hits.splice(h, 1)[0]!.plan);
  };
  for (const r of records) if (!mayBeCutInTransit(r)) take(r);
  for (const r of records) if (mayBeCutInTransit(r)) take(r);
  return out;
}

function joinProvider(st: RequestState, providerId: string, all: UsageRecord[], ctx: CheckContext): void {
  const id = st.requestId;
  const records = all.filter((r) => r.providerId === providerId);
  for (const r of records) {
    if (r.errorCode)
      ctx.tallies.errorCodes[`${providerId}:${r.errorCode}`] =
        (ctx.tallies.errorCodes[`${providerId}:${r.errorCode}`] ?? 0) + 1;
  }
  const calls = ctx.calls(providerId);
  const wire = providerId === WIRE_PROVIDER;
  const hitPlans = wire ? matchHits(records, ctx.hits) : new Map<UsageRecord, ReplyPlan>();
  let j = 0;
  records.forEach((r, k) => {
    const call = calls[j];
    if (call && call.keyId === r.keyId) {
      j++;
      let plan: ReplyPlan | undefined;
      if (wire) {
        plan = hitPlans.get(r);
        if (!plan && mayBeCutInTransit(r)) {
          ctx.tallies.inTransit++;
          ctx.inTransit.add(`${st.idx}|${r.keyId}`);
          return;
        }
        if (!plan) {
          ctx.violate(
            'join',
            `${id}: ${r.status} record at ${r.keyId} (${r.errorCode}) but the server saw no request`,
          );
          return;
        }
      } else plan = planReply(ctx.seed, st.idx, providerId, r.keyId, st.plan.stream, false);
      ctx.tallies.faults[plan.fault] = (ctx.tallies.faults[plan.fault] ?? 0) + 1;
      if (wire) {
        const ending = `${plan.fault} → ${r.status}${r.errorCode ? `:${r.errorCode}` : ''}`;
        ctx.tallies.wireEndings[ending] = (ctx.tallies.wireEndings[ending] ?? 0) + 1;
      }
      checkTokens(st, r, plan, ctx);
      return;
    }
    // An attempt aborted between its reservation and the adapter call: a record, no call. Always the last.
    if (r.status === 'aborted' && zero(r) && r === all.at(-1) && k === records.length - 1) {
      ctx.tallies.preCallAborts++;
      return;
    }
    ctx.violate('join', `${id}: record ${r.attempt} (${providerId}/${r.keyId} ${r.status}) matches no call`);
  });
  if (j !== calls.length)
    ctx.violate('join', `${id}: ${calls.length - j} call(s) at ${providerId} without a record`);
}

function checkTokens(st: RequestState, r: UsageRecord, plan: ReplyPlan, ctx: CheckContext): void {
  const t = ctx.tallies;
  const id = `${st.requestId}#${r.attempt}`;
  t.statuses[r.status] = (t.statuses[r.status] ?? 0) + 1;
  t.promptTokens += r.promptTokens;
  t.completionTokens += r.completionTokens;
  if (r.estimated) t.estimatedRecords++;
  for (const n of [r.promptTokens, r.completionTokens, r.totalTokens, r.latencyMs]) {
    if (!Number.isInteger(n) || n < 0) ctx.violate('tokens', `${id}: bad number ${n}`);
  }
  if (r.totalTokens !== r.promptTokens + r.completionTokens)
    ctx.violate('tokens', `${id}: total ≠ prompt + completion`);
  const estimatedCompletion = (chars: number) => Math.ceil(chars / 4);
  switch (r.status) {
    case 'success':
      if (plan.usage) {
        t.reportedPromptTokens += plan.usage.prompt;
        t.reportedCompletionTokens += plan.usage.completion;
        // Embeddings produce no output: 0 completion tokens, whatever the provider said.
        const completion = st.embed ? 0 : plan.usage.completion;
        if (r.estimated || r.promptTokens !== plan.usage.prompt || r.completionTokens !== completion) {
          ctx.violate(
            'tokens',
            `${id}: ${r.promptTokens}/${r.completionTokens} ≠ reported ${plan.usage.prompt}/${plan.usage.completion}`,
          );
        }
      } else {
        // A stream's estimate counts every delivered delta as at least one token.
        const completion = st.embed
          ? 0
          : r.stream
            ? Math.max(plan.chunks.length, estimatedCompletion(plan.text.length))
            : estimatedCompletion(plan.text.length);
        if (!r.estimated || r.promptTokens !== st.estimate || r.completionTokens !== completion) {
          ctx.violate(
            'tokens',
            `${id}: ${r.promptTokens}/${r.completionTokens} ≠ estimate ${st.estimate}/${completion} (${plan.fault})`,
          );
        }
      }
      break;
    case 'error':
      if (!zero(r) || r.estimated) ctx.violate('tokens', `${id}: failed attempt with tokens`);
      break;
    default:
      // interrupted, or aborted after content: the prompt estimate and what was delivered at most —
      // every delivered delta counts at least one token.
      if (r.status === 'aborted' && zero(r) && !r.estimated) break;
      if (
        !r.estimated ||
        r.promptTokens !== st.estimate ||
        r.completionTokens > Math.max(sentChunks(plan).length, estimatedCompletion(sentChars(plan)))
      ) {
        ctx.violate(
          'tokens',
          `${id}: partial ${r.promptTokens}/${r.completionTokens} vs estimate ${st.estimate}, sent ${sentChars(plan)} chars (${plan.fault})`,
        );
      }
  }
}

/**
 * A request sent through the HTTP relay: the response is well-formed (JSON, or SSE ending in `[DONE]`
 * or an error event, unless the caller cut it), and says what the router did — the same content,
 * usage and success or failure.
 */
function checkRelay(st: RequestState, records: UsageRecord[], ctx: CheckContext): void {
  const rs = st.relay!;
  const id = `${st.requestId} (relay)`;
  for (const p of rs.problems) ctx.violate('relay', `${id}: ${p}`);
  if (!rs.aborted && rs.ending === undefined) ctx.violate('relay', `${id}: response ended in no known way`);
  if (!rs.routed) return;
  const result = st.result;
  if (rs.ending === 'done' || rs.ending === 'completion') {
    if (!result) {
      ctx.violate('relay', `${id}: the relay answered success, the router failed (${String(st.error)})`);
      return;
    }
    if (rs.text !== result.message.content)
      ctx.violate('relay', `${id}: relayed content differs from the router's result`);
    // Estimated usage is never relayed as if the provider had reported it (estimatedUsage: 'omit').
    const wantUsage = (rs.ending === 'completion' || rs.includeUsage) && !result.usage.estimated;
    if (wantUsage !== (rs.usage !== undefined) || (rs.ending === 'done' && rs.usageChunks > 1))
      ctx.violate('relay', `${id}: ${rs.usageChunks} usage chunks (include_usage ${rs.includeUsage})`);
    const u = rs.usage;
    if (
      u &&
      (u.prompt_tokens !== result.usage.promptTokens ||
        u.completion_tokens !== result.usage.completionTokens ||
        u.total_tokens !== result.usage.totalTokens)
    )
      ctx.violate(
        'relay',
        `${id}: relayed usage ${JSON.stringify(u)} ≠ the router's ${JSON.stringify(result.usage)}`,
      );
  } else if (rs.ending === 'error' && !rs.aborted) {
    const code = RouterError.isInstance(st.error) ? st.error.code : undefined;
    if (result) ctx.violate('relay', `${id}: the relay answered ${rs.errorCode}, the router succeeded`);
    else if (code !== rs.errorCode)
      ctx.violate('relay', `${id}: relayed error ${rs.errorCode}, the router's ${String(code)}`);
  }
  // Whatever was relayed is a prefix of what the serving attempt's provider sent.
  if (rs.text !== '' && st.plan.stream) {
    const last = records.at(-1);
    const served = last
      ? planReply(
          ctx.seed,
          st.idx,
          last.providerId,
          last.keyId,
          true,
          last.providerId === WIRE_PROVIDER,
          ctx.wireWeights,
        )
      : undefined;
    if (!served || !isPrefixOfReply(served, rs.text))
      ctx.violate('relay', `${id}: relayed text is not a prefix of the serving attempt's reply`);
  }
}

/** Nothing held: the same conditions as `expectReleased` in test/router/helpers.ts. */
export function releasedProblems(s: RouterStats): string[] {
  const out: string[] = [];
  if (s.inFlight !== 0) out.push(`inFlight ${s.inFlight}`);
  if (s.queued !== 0) out.push(`queued ${s.queued}`);
  for (const k of s.keys) {
    if (k.inFlight !== 0 || k.queued !== 0)
      out.push(`${k.providerId}/${k.keyId} inFlight ${k.inFlight} queued ${k.queued}`);
  }
  for (const c of s.candidates)
    if (c.inFlight !== 0) out.push(`${c.providerId}/${c.modelId} inFlight ${c.inFlight}`);
  if (!s.leases) out.push('no lease accounting');
  else {
    if (s.leases.outstanding !== 0) out.push(`leases outstanding ${s.leases.outstanding}`);
    if (s.leases.doubleReleases !== 0) out.push(`double releases ${s.leases.doubleReleases}`);
    if (s.leases.acquired !== s.leases.released)
      out.push(`acquired ${s.leases.acquired} ≠ released ${s.leases.released}`);
  }
  return out;
}

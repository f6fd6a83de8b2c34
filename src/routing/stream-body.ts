import { ProviderError } from '../errors/provider-error.js';
import { RouterError } from '../errors/router-error.js';
import type { Channel } from '../stream/channel.js';
import type { ToolCall } from '../types/request.js';
import type { CompletionResult, FinishReason, RouterWarning } from '../types/result.js';
import type { AdapterStreamPart, StreamPart } from '../types/stream.js';
import { completeUsage, tokensForChars } from '../usage/estimate.js';
import type { AttemptBody } from './attempt-context.js';
import {
  type AttemptContext,
  InterruptedAttempt,
  type RequestContext,
  providerCall,
  totalTimeout,
} from './attempt-context.js';
import type { Runtime } from './runtime.js';
import { wireChars } from '../util/approx-size.js';
import { StreamOutput } from './stream-output.js';
import { READY_PART, type ReadyPartSource } from '../util/ready-part.js';

/**
 * The attempt body of `stream()`. It pulls the adapter's parts and pushes them to the consumer's
 * channel. Before the first content part nothing reaches the consumer, so any failure (error status,
 * error event, first-chunk timeout, malformed data) fails over invisibly. After it, a failure is an
 * `InterruptedAttempt`: the loop ends the stream with `STREAM_INTERRUPTED`, never repeating content.
 */
export function streamBody(rt: Runtime, channel: Channel<StreamPart>): AttemptBody<CompletionResult> {
  const { firstChunkMs, idleMs, totalMs } = rt.options.timeouts;
  const clock = rt.options.clock;
  return async (rc, a) => {
    const { candidate } = a;
    const adapter = rt.options.adapters[candidate.provider.adapter]!;
    let committed = false;
    let ttftMs: number | undefined;
    const output = new StreamOutput(rt.options.limits);
    // Content parts delivered: each carried at least one token, whatever its length in characters.
    let deltas = 0;
    const completionEstimate = () => Math.max(deltas, tokensForChars(output.chars));
    // Wire events that came before the first content part: they follow `start`, or go with the attempt.
    let heldBack: StreamPart[] | undefined;
    const timeout = (what: string, ms: number) =>
      new ProviderError({ message: `Stream ${what} exceeded ${ms} ms`, kind: 'timeout' });
    let timer = setTimeout(() => a.abort(timeout('first content', firstChunkMs)), firstChunkMs);
    timer.unref?.();
    // The whole request's deadline bounds the stream too, whatever the consumer does.
    const deadline = setTimeout(() => a.abort(totalTimeout(totalMs)), Math.max(0, a.deadline - a.startedAt));
    deadline.unref?.();
    let iterator: ReadyPartSource<AdapterStreamPart> | undefined;
    let finish: Extract<AdapterStreamPart, { type: 'finish' }> | undefined;
    const partial = () => completeUsage(undefined, rc.promptEstimate, completionEstimate());
    try {
      const upstream = await a.race(adapter.stream(providerCall(rc, a)));
      iterator = upstream.parts[Symbol.asyncIterator]() as ReadyPartSource<AdapterStreamPart>;
      // A part the adapter already holds is taken without a promise; only a read is raced.
      const ready = iterator[READY_PART]?.bind(iterator);
      for (;;) {
        const next = ready?.() ?? (await a.race(iterator.next()));
        if (next.done) break;
        const part = next.value;
        if (part.type === 'finish') {
          finish = part;
          break;
        }
        if (
          part.type !== 'text-delta' &&
          part.type !== 'tool-call-delta' &&
          part.type !== 'reasoning-delta' &&
          part.type !== 'wire'
        ) {
          throw new ProviderError({ message: `Adapter yielded an unknown part type`, kind: 'protocol' });
        }
        if (part.type === 'wire') {
          if (!committed) {
            output.holdBack(wireChars(part));
            heldBack ??= [];
            heldBack.push(part);
            continue;
          }
        } else {
          // Before the commit a violation fails over; after it, it interrupts the stream.
          output.check(part);
        }
        if (!committed) {
          committed = true;
          ttftMs = clock.now() - a.startedAt;
          clearTimeout(timer);
          timer = setTimeout(() => a.abort(timeout('idle gap', idleMs)), idleMs);
          timer.unref?.();
          const room = pushInOrder(channel, committedParts(startPart(rc, a, upstream.warnings), heldBack), a);
          heldBack = undefined;
          if (room) await room;
        }
        // Wire events are passed on as is; their content is counted through the parts derived from them.
        if (part.type !== 'wire') {
          output.add(part);
          deltas++;
        }
        // The idle clock measures the provider, not a slow consumer: stop it while we wait for room.
        const wait = channel.push(part, a);
        if (wait) {
          clearTimeout(timer);
          await wait;
          timer = setTimeout(() => a.abort(timeout('idle gap', idleMs)), idleMs);
          timer.unref?.();
        } else timer.refresh();
      }
      if (!committed && !finish) {
        throw new ProviderError({ message: 'Stream ended before any content', kind: 'protocol' });
      }
      if (!committed) {
        // An empty but well-formed reply: commit now so the consumer sees start and finish.
        committed = true;
        ttftMs = clock.now() - a.startedAt;
        const room = pushInOrder(channel, committedParts(startPart(rc, a, upstream.warnings), heldBack), a);
        heldBack = undefined;
        if (room) await room;
      }
      const usage = completeUsage(finish?.usage, rc.promptEstimate, completionEstimate());
      const finishReason: FinishReason = finish?.finishReason ?? { unified: 'other' };
      const room = channel.push({ type: 'finish', finishReason, usage }, a);
      if (room) await room;
      const toolCalls: ToolCall[] = output.toolCalls();
      const reasoning = output.reasoningParts();
      const value: CompletionResult = {
        id: finish?.id ?? rc.requestId,
        requestId: rc.requestId,
        model: { providerId: candidate.providerId, modelId: candidate.modelId },
        message: {
          role: 'assistant',
          content: output.content,
          ...(toolCalls.length ? { toolCalls } : {}),
          ...(reasoning.length ? { reasoning } : {}),
        },
        finishReason,
        usage,
        attempts: [],
        latencyMs: 0,
      };
      if (upstream.warnings?.length) value.warnings = upstream.warnings;
      if (rc.target.group) value.groupName = rc.target.group.name;
      if (finish?.responseModel !== undefined) value.responseModel = finish.responseModel;
      return {
        value,
        usage,
        ...(upstream.rateLimit ? { rateLimit: upstream.rateLimit } : {}),
        ...(ttftMs === undefined ? {} : { ttftMs }),
      };
    } catch (error) {
      if (committed) throw new InterruptedAttempt(error, partial(), ttftMs);
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(deadline);
      // Tell the adapter we are done; an adapter that ignores it is not waited for.
      if (iterator?.return) {
        try {
          iterator.return().catch(() => {});
        } catch {}
      }
    }
  };
}

/** What the commit sends: `start`, then the wire events held back before it. */
function committedParts(start: StreamPart, heldBack: StreamPart[] | undefined): StreamPart[] {
  if (!heldBack) return [start];
  heldBack.unshift(start);
  return heldBack;
}

/**
 * Push parts in order, waiting for room only when the channel is full: a promise then, `undefined`
 * otherwise (an `await` of nothing would still cost a promise and a microtask turn per part).
 */
function pushInOrder(
  channel: Channel<StreamPart>,
  parts: StreamPart[],
  a: AttemptContext,
  from = 0,
): Promise<void> | undefined {
  for (let i = from; i < parts.length; i++) {
    const room = channel.push(parts[i]!, a);
    if (room) return room.then(() => pushInOrder(channel, parts, a, i + 1));
  }
  return undefined;
}

/** The `start` part: which candidate serves, once the attempt commits. */
function startPart(rc: RequestContext, a: AttemptContext, warnings: RouterWarning[] | undefined): StreamPart {
  const start: StreamPart = {
    type: 'start',
    providerId: a.candidate.providerId,
    modelId: a.candidate.modelId,
  };
  if (rc.target.group) start.groupName = rc.target.group.name;
  if (warnings?.length) start.warnings = warnings;
  return start;
}

/** True when an error is the router's own abort (caller abort or consumer cancel). */
export function isAbort(error: unknown): boolean {
  return RouterError.isInstance(error) && error.code === 'ABORTED';
}

import { ProviderError, type ProviderErrorKind } from '../errors/provider-error.js';
import type {
  AdapterUsage,
  ProviderAdapter,
  ProviderCall,
  ProviderResult,
  ProviderStream,
} from '../providers/adapter.js';
import type { RateLimitInfo } from '../types/rate-limit.js';
import type { ChatRequest, ToolCall } from '../types/request.js';
import type { FinishReason } from '../types/result.js';
import type { AdapterStreamPart } from '../types/stream.js';

/** A scripted reply. */
export interface MockReply {
  /** The whole reply text. Streams send it in `chunks` when given, else word by word. */
  text?: string;
  chunks?: string[];
  toolCalls?: ToolCall[];
  finishReason?: FinishReason;
  /** Reported usage; `null` reports none (the router then estimates). @default prompt 10, completion from text */
  usage?: AdapterUsage | null;
  rateLimit?: RateLimitInfo;
  /** Wait this long before answering (before the first chunk, for streams), in ms. */
  delayMs?: number;
  /** Wait this long between stream chunks, in ms. */
  chunkDelayMs?: number;
  /** Streams only: fail with this error after sending `failAfterChunks` chunks. */
  failAfterChunks?: number;
  streamError?: MockError;
}

/** A scripted provider failure. */
export interface MockError {
  status?: number;
  kind?: ProviderErrorKind;
  message?: string;
  retryAfterMs?: number;
  rateLimit?: RateLimitInfo;
}

/** What one call does. */
export type MockStep =
  | MockReply
  | { error: MockError; delayMs?: number }
  /** Never answers. With `ignoreAbort`, not even when aborted (to prove the router does not wait). */
  | { hang: true; ignoreAbort?: boolean };

export interface MockCall {
  providerId: string;
  modelId: string;
  keyId: string;
  stream: boolean;
  request: Readonly<ChatRequest>;
  /** Set when the router's signal aborted the call. */
  aborted: boolean;
  /** The call ended: answered, failed or aborted. */
  settled: boolean;
}

export interface MockProviderOptions {
  /** @default 'mock' */
  name?: string;
  /** Steps used in order, one per call; after they run out, `fallback` answers. @default [] */
  script?: MockStep[];
  /** Decide each call's step from the call itself (wins over `script`); `undefined` falls through to it. @default none */
  respond?: (call: MockCall, index: number) => MockStep | undefined;
  /** @default { text: 'ok' } */
  fallback?: MockStep;
}

export interface MockProvider extends ProviderAdapter {
  /** Every call received, in order. Holds the key id, never the key. */
  readonly calls: MockCall[];
  /** Append steps to the script. */
  push(...steps: MockStep[]): void;
  /** Forget calls and script. */
  reset(): void;
}

const STATUS_KIND: Record<number, ProviderErrorKind> = {
  400: 'bad_request',
  401: 'auth',
  403: 'auth',
  404: 'not_found',
  408: 'timeout',
  429: 'rate_limited',
  500: 'server',
  502: 'server',
  503: 'overloaded',
  504: 'timeout',
  529: 'overloaded',
};

/**
 * A scriptable `ProviderAdapter` for tests and examples: replies, provider errors with status and
 * Retry-After, delays, hangs and mid-stream failures; it records every call. No network, no keys.
 */
export function mockProvider(options: MockProviderOptions = {}): MockProvider {
  const calls: MockCall[] = [];
  const script: MockStep[] = [...(options.script ?? [])];
  const fallback: MockStep = options.fallback ?? { text: 'ok' };

  const next = (call: MockCall): MockStep =>
    options.respond?.(call, calls.length - 1) ?? script.shift() ?? fallback;

  const record = (c: ProviderCall, stream: boolean): MockCall => {
    const call: MockCall = {
      providerId: c.provider.id,
      modelId: c.model.modelId,
      keyId: c.key.id,
      stream,
      request: c.request,
      aborted: false,
      settled: false,
    };
    calls.push(call);
    c.signal.addEventListener('abort', () => (call.aborted = !call.settled || call.aborted), { once: true });
    return call;
  };

  const fail = (e: MockError, c: ProviderCall): ProviderError =>
    new ProviderError({
      message: e.message ?? `mock ${e.status ?? e.kind ?? 'error'}`,
      kind:
        e.kind ?? STATUS_KIND[e.status ?? 500] ?? (e.status && e.status >= 500 ? 'server' : 'bad_request'),
      ...(e.status === undefined ? {} : { status: e.status }),
      ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
      ...(e.rateLimit ? { rateLimit: e.rateLimit } : {}),
      providerId: c.provider.id,
      modelId: c.model.modelId,
      keyId: c.key.id,
    });

  async function begin(step: MockStep, c: ProviderCall): Promise<MockReply> {
    if ('hang' in step) {
      return new Promise<never>((_, reject) => {
        if (!step.ignoreAbort)
          c.signal.addEventListener('abort', () => reject(c.signal.reason), { once: true });
      });
    }
    if (step.delayMs) await sleep(step.delayMs, c.signal);
    if ('error' in step) throw fail(step.error, c);
    return step as MockReply;
  }

  return {
    name: options.name ?? 'mock',
    calls,
    push: (...steps) => void script.push(...steps),
    reset: () => {
      calls.length = 0;
      script.length = 0;
    },

    async complete(c: ProviderCall): Promise<ProviderResult> {
      const call = record(c, false);
      try {
        const reply = await begin(next(call), c);
        const text = reply.text ?? '';
        return {
          message: {
            role: 'assistant',
            content: text,
            ...(reply.toolCalls ? { toolCalls: reply.toolCalls } : {}),
          },
          finishReason: reply.finishReason ?? {
            unified: reply.toolCalls ? 'tool_calls' : 'stop',
            raw: 'stop',
          },
          ...usageOf(reply, text),
          ...(reply.rateLimit ? { rateLimit: reply.rateLimit } : {}),
          id: `mock-${calls.length}`,
          responseModel: c.model.modelId,
        };
      } finally {
        call.settled = true;
      }
    },

    async stream(c: ProviderCall): Promise<ProviderStream> {
      const call = record(c, true);
      let reply: MockReply;
      try {
        reply = await begin(next(call), c);
      } catch (error) {
        call.settled = true;
        throw error;
      }
      const text = reply.text ?? '';
      const chunks = reply.chunks ?? (text ? (text.match(/\S+\s*/g) ?? [text]) : []);
      async function* parts(): AsyncGenerator<AdapterStreamPart> {
        try {
          let sent = 0;
          for (const chunk of chunks) {
            if (reply.failAfterChunks !== undefined && sent >= reply.failAfterChunks) break;
            if (reply.chunkDelayMs && sent > 0) await sleep(reply.chunkDelayMs, c.signal);
            if (c.signal.aborted) throw c.signal.reason;
            yield { type: 'text-delta', text: chunk };
            sent++;
          }
          if (reply.failAfterChunks !== undefined) throw fail(reply.streamError ?? { status: 500 }, c);
          for (const [index, t] of (reply.toolCalls ?? []).entries()) {
            yield { type: 'tool-call-delta', index, id: t.id, name: t.name, argumentsDelta: t.arguments };
          }
          yield {
            type: 'finish',
            finishReason: reply.finishReason ?? {
              unified: reply.toolCalls ? 'tool_calls' : 'stop',
              raw: 'stop',
            },
            ...usageOf(reply, text),
            responseModel: c.model.modelId,
          };
        } finally {
          call.settled = true;
        }
      }
      return { ...(reply.rateLimit ? { rateLimit: reply.rateLimit } : {}), parts: parts() };
    },
  };
}

function usageOf(reply: MockReply, text: string): { usage?: AdapterUsage } {
  if (reply.usage === null) return {};
  const completionTokens = Math.ceil(text.length / 4);
  return { usage: reply.usage ?? { promptTokens: 10, completionTokens, totalTokens: 10 + completionTokens } };
}

/** setTimeout as a promise that rejects with the signal's reason on abort (and clears itself). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

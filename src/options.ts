import { z } from 'zod';
import {
  type AffinityOptions,
  type ResolvedAffinity,
  affinitySchema,
  resolveAffinity,
} from './affinity/affinity-options.js';
import type { CatalogInput } from './catalog/inputs.js';
import type { RouterLogger } from './logging/logger.js';
import type { ProviderKey, StrategyName } from './catalog/types.js';
import { invalid, parseOrThrow } from './errors/validation.js';
import type { ProviderAdapter } from './providers/adapter.js';
import type { QuotaStore } from './quota/quota-store.js';
import type { Strategy } from './routing/strategy.js';
import type { RouterStorage } from './storage/storage.js';
import type { ChatRequest } from './types/request.js';
import type { UsageRecord } from './types/usage-record.js';
import type { TelemetryOptions } from './telemetry/options.js';
import type { Clock } from './util/clock.js';

/** Largest delay `setTimeout` accepts (2^31 − 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;

export interface TimeoutOptions {
  /** Longest one non-streaming attempt may take, in ms. @default 120000 */
  attemptMs?: number;
  /** Longest a stream may take to produce its first content part; past it the router fails over. @default 60000 */
  firstChunkMs?: number;
  /** Longest gap between two stream parts once content flows. @default 60000 */
  idleMs?: number;
  /** Longest a whole request may take, all attempts and waits included. @default 300000 */
  totalMs?: number;
  /**
   * Longest a request waits, all waits together, for a concurrency slot (`maxConcurrent`), the end of
   * a key's cooldown or room in its rpm/tpm window, when nothing else can serve it. A block that lasts
   * longer fails at once (`QUOTA_EXHAUSTED` with `retryAfterMs`). `0`: never wait. @default 10000
   */
  queueWaitMs?: number;
  /**
   * Longest `close()` waits for the usage ledger to confirm its writes; records not confirmed by
   * then are reported through the `error` event (`source: 'usage'`). Also, while `close()` drains,
   * every `closeMs` it cancels (`ABORTED`) the streams whose consumer has not read since the last
   * check, so an abandoned stream cannot hold it — or a slot — for `totalMs`. @default 10000
   */
  closeMs?: number;
}

/**
 * Bounds on what one upstream may make the router hold, whatever it sends. Exceeding one ends the
 * attempt with a `ProviderError` of kind `protocol` (before the stream commits the router fails
 * over; after, the stream ends with `STREAM_INTERRUPTED`).
 */
export interface RouterLimits {
  /**
   * Most characters (UTF-16 code units) of text plus tool-call names and arguments one streamed
   * attempt may produce. The router keeps them for `result`, so this bounds its memory per stream.
   * @default 4_194_304 (4 Mi characters: at most 8 MiB of string data)
   */
  maxOutputChars?: number;
  /** Most tool calls in one streamed message; a tool-call index at or past it is a protocol error. @default 128 */
  maxToolCalls?: number;
  /**
   * Most bytes of parts a stream buffers for a consumer that has not read them (2 bytes per
   * character plus 64 per part). Past it the router stops reading the upstream until the consumer
   * catches up, so an unread stream holds at most this plus one part.
   * @default 1_048_576 (1 MiB)
   */
  streamBufferBytes?: number;
}

export interface RetryBudgetOptions {
  /** Extra attempts (failovers) allowed per request, on average over the window. @default 0.5 */
  ratio?: number;
  /** Extra attempts always allowed per second, however few requests there are. @default 10 */
  minPerSecond?: number;
  /** Window over which requests and retries are counted, in ms. @default 10000 */
  windowMs?: number;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures of a candidate (server, timeout, network, overloaded) that open its circuit. @default 5 */
  failureThreshold?: number;
  /**
   * While a circuit is open, one real request at a time may probe the candidate, at most this often
   * (each interval jittered to 50–100 % of it). A recovered provider gets traffic back within one
   * interval (plus the wait for the next request), whatever the length of the outage. @default 5000
   */
  probeIntervalMs?: number;
  /**
   * After a probe closes the circuit, for this long a single unhealthy failure re-opens it (a flapping
   * provider costs one request per flap, not `failureThreshold`). @default 30000
   */
  probationMs?: number;
  /**
   * @deprecated the name of `probeIntervalMs` before it was jittered; used when that is not given.
   * @default none (`probeIntervalMs`)
   */
  openMs?: number;
  /**
   * A candidate whose attempt timed out (no answer within `attemptMs`, no first chunk within
   * `firstChunkMs`, or a provider 408/504) is tried after the other candidates for this long, so
   * the following requests do not each wait out the timeout on it. `0` turns it off. @default 15000
   */
  demoteAfterTimeoutMs?: number;
}

export interface RetryOptions {
  /**
   * Backoff before retrying the same candidate (when no other candidate is left) after a transient
   * failure: `baseMs × 2^(n−1)`, capped at `maxMs`, with jitter (50–100 % of it). A `Retry-After`
   * that fits before the deadline is waited instead when it is longer. @default 250
   */
  baseMs?: number;
  /** Longest backoff between two retries of the same candidate, in ms. @default 4000 */
  maxMs?: number;
}

export interface CooldownOptions {
  /** Cooldown after a 429 that gave no `Retry-After`, in ms. @default 30000 */
  defaultMs?: number;
  /** Shortest cooldown applied, in ms (a `Retry-After: 0` still cools this long). @default 1000 */
  minMs?: number;
  /** Longest cooldown applied; longer `Retry-After` values are clamped to it, in ms. @default 600000 */
  maxMs?: number;
  /** How long a key that answered 401/403 stays out, in ms (or until the key is updated). @default 900000 */
  quarantineMs?: number;
}

export interface ModelRouterOptions {
  /** Seeds the default memory storage; ignored when `storage` is given. @default an empty catalog */
  catalog?: CatalogInput;
  /** Where the catalog and usage ledger live. @default memoryStorage({ catalog }) */
  storage?: RouterStorage;
  /** Per-key rpm/tpm/concurrency accounting. @default memoryQuota() */
  quota?: QuotaStore;
  /** Adapters by name; a provider's `adapter` field picks one. */
  adapters: Record<string, ProviderAdapter>;
  /** Strategy for groups that name none, and for direct models. @default 'quota_aware' */
  defaultStrategy?: StrategyName;
  /** Custom strategies by name, usable as a group's `failoverStrategy`. @default {} (the built-in ones only) */
  strategies?: Record<string, Strategy>;
  /** Most attempts per request, failovers included. @default 5 */
  maxAttempts?: number;
  /**
   * Deadlines of an attempt, a stream, a request, a wait for capacity and `close()` (see `TimeoutOptions`).
   * @default { attemptMs: 120_000, firstChunkMs: 60_000, idleMs: 60_000, totalMs: 300_000, queueWaitMs: 10_000, closeMs: 10_000 }
   */
  timeouts?: TimeoutOptions;
  /**
   * Memory bounds per attempt and per stream (see `RouterLimits`).
   * @default { maxOutputChars: 4_194_304, maxToolCalls: 128, streamBufferBytes: 1_048_576 }
   */
  limits?: RouterLimits;
  /**
   * Bounds failovers across all requests, so that an outage does not multiply the load on the
   * providers left (see `RetryBudgetOptions`). @default { ratio: 0.5, minPerSecond: 10, windowMs: 10_000 }
   */
  retryBudget?: RetryBudgetOptions;
  /**
   * When a candidate that keeps failing is set aside, and how it is probed back (see `CircuitBreakerOptions`).
   * @default { failureThreshold: 5, probeIntervalMs: 5_000, probationMs: 30_000, demoteAfterTimeoutMs: 15_000 }
   */
  circuitBreaker?: CircuitBreakerOptions;
  /**
   * Backoff of same-candidate retries (see `RetryOptions`); `maxAttempts` and `retryBudget` bound them.
   * @default { baseMs: 250, maxMs: 4_000 }
   */
  retry?: RetryOptions;
  /**
   * How long a rate-limited or rejected key stays out of rotation (see `CooldownOptions`).
   * @default { defaultMs: 30_000, minMs: 1_000, maxMs: 600_000, quarantineMs: 900_000 }
   */
  cooldown?: CooldownOptions;
  /** Prompt-token estimate used for TPM reservation. @default characters / 4 + 4 per message */
  estimateTokens?: (request: ChatRequest) => number;
  /** Output tokens reserved when neither the request nor the model says. @default 1024 */
  defaultMaxOutputTokens?: number;
  /** Turn a key's `secret` into the API key. @default the secret as is; `env:NAME` read from process.env */
  resolveSecret?: (key: Readonly<ProviderKey>) => string | Promise<string>;
  /**
   * The server-side secret virtual keys are hashed with (HMAC-SHA256): keep it out of the database
   * (an environment variable, a secret manager), so that a leaked `virtual_keys` table is useless on its
   * own. At least 16 bytes; a string is taken as UTF-8. Changing it invalidates every virtual key.
   * @default none — keys are hashed with an empty pepper (plain HMAC-SHA256 of a 256-bit random key)
   */
  virtualKeyPepper?: string | Uint8Array;
  /** Decide admin writes. @default actor?.role === 'admin' */
  authorize?: (actor: unknown, action: string) => boolean | Promise<boolean>;
  /** Model used when a request names none. @default none (such a request fails with `VALIDATION`) */
  defaultModel?: string | (() => string | Promise<string>);
  /**
   * Called once per attempt with its usage record. May be async; never changes the request's outcome.
   * @default none (the `usage` event and the storage's usage ledger still get every record)
   */
  onUsage?: (record: UsageRecord) => void | Promise<void>;
  /**
   * Where internal trouble is reported (a throwing `onUsage` hook, usage records the ledger could not
   * write, a failed catalog refresh, a key whose secret cannot be resolved): a pino-compatible logger
   * (`warn`/`error`/`debug` with structured fields, never secrets or prompt text). `false`: silent.
   * @default one line on stderr for the first failure of each kind, unless an `error` listener is attached
   */
  logger?: RouterLogger | false;
  /** Time source. @default Date.now */
  clock?: Clock;
  /** Randomness for `weighted` and ids in tests, in [0, 1). @default Math.random */
  random?: () => number;
  /**
   * Prompt-cache affinity (README: Prompt-cache affinity): requests of one session (its `affinityKey`,
   * or a key derived from `user`, `metadata.user_id` or the cacheable prefix) go to the candidate and
   * key that served it last, while that key has room. Entries live in the quota store (shared with
   * `redisQuota`). `false` turns it off.
   * @default { ttlMs: 300_000, derive: ['user', 'metadata.user_id', 'prefix'], minPrefixTokens: 1024 }
   */
  affinity?: false | AffinityOptions;
  /**
   * OpenTelemetry spans and metrics (GenAI semantic conventions) through `@opentelemetry/api`, an
   * optional peer: `true` for the global providers, or options. Without the package it is a no-op.
   * @default false (nothing is listened to: no cost)
   */
  telemetry?: boolean | TelemetryOptions;
}

const ms = z.number().int().positive().max(MAX_TIMER_MS);
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');

const optionsSchema = z.strictObject({
  catalog: z.unknown().optional(),
  storage: z
    .custom<RouterStorage>((v) => typeof v === 'object' && v !== null, 'must be a storage')
    .optional(),
  quota: z.custom<QuotaStore>((v) => typeof v === 'object' && v !== null, 'must be a quota store').optional(),
  adapters: z.record(
    z.string(),
    z.custom<ProviderAdapter>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as ProviderAdapter).complete === 'function' &&
        typeof (v as ProviderAdapter).stream === 'function',
      'must be an adapter with complete() and stream()',
    ),
  ),
  defaultStrategy: z.string().min(1).optional(),
  strategies: z.record(z.string().min(1), fn).optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  timeouts: z
    .strictObject({
      attemptMs: ms.optional(),
      firstChunkMs: ms.optional(),
      idleMs: ms.optional(),
      totalMs: ms.optional(),
      queueWaitMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
      closeMs: ms.optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      maxOutputChars: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
      maxToolCalls: z.number().int().positive().max(1_000_000).optional(),
      streamBufferBytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    })
    .optional(),
  retryBudget: z
    .strictObject({
      ratio: z.number().min(0).max(100).optional(),
      minPerSecond: z.number().min(0).max(1e6).optional(),
      windowMs: ms.optional(),
    })
    .optional(),
  circuitBreaker: z
    .strictObject({
      failureThreshold: z.number().int().min(1).max(1e6).optional(),
      probeIntervalMs: ms.optional(),
      probationMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
      openMs: ms.optional(),
      demoteAfterTimeoutMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
    })
    .optional(),
  retry: z
    .strictObject({
      baseMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
      maxMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
    })
    .optional(),
  cooldown: z
    .strictObject({
      defaultMs: ms.optional(),
      minMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
      maxMs: ms.optional(),
      quarantineMs: ms.optional(),
    })
    .optional(),
  estimateTokens: fn.optional(),
  defaultMaxOutputTokens: z.number().int().positive().max(10_000_000).optional(),
  resolveSecret: fn.optional(),
  authorize: fn.optional(),
  virtualKeyPepper: z
    .union([z.string().min(16), z.instanceof(Uint8Array).refine((b) => b.length >= 16, 'at least 16 bytes')])
    .optional(),
  defaultModel: z.union([z.string().min(1), fn]).optional(),
  onUsage: fn.optional(),
  logger: z
    .union([
      z.literal(false),
      z.custom<RouterLogger>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as RouterLogger).warn === 'function' &&
          typeof (v as RouterLogger).error === 'function',
        'must be false or a logger with warn() and error()',
      ),
    ])
    .optional(),
  clock: z
    .custom<Clock>((v) => typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function')
    .optional(),
  random: fn.optional(),
  affinity: affinitySchema.optional(),
  telemetry: z
    .union([
      z.boolean(),
      z.strictObject({
        tracerProvider: z.custom<object>((v) => typeof v === 'object' && v !== null).optional(),
        meterProvider: z.custom<object>((v) => typeof v === 'object' && v !== null).optional(),
        traces: z.boolean().optional(),
        metrics: z.boolean().optional(),
      }),
    ])
    .optional(),
});

/** Options with every default filled in; what the router's parts receive. */
export interface ResolvedOptions {
  adapters: Record<string, ProviderAdapter>;
  defaultStrategy: string;
  strategies: Record<string, Strategy>;
  maxAttempts: number;
  timeouts: Required<TimeoutOptions>;
  limits: Required<RouterLimits>;
  retryBudget: Required<RetryBudgetOptions>;
  circuitBreaker: ResolvedCircuitBreaker;
  retry: Required<RetryOptions>;
  cooldown: Required<CooldownOptions>;
  estimateTokens: (request: ChatRequest) => number;
  defaultMaxOutputTokens: number;
  resolveSecret: (key: Readonly<ProviderKey>) => string | Promise<string>;
  authorize: (actor: unknown, action: string) => boolean | Promise<boolean>;
  virtualKeyPepper: Uint8Array;
  defaultModel: string | (() => string | Promise<string>) | undefined;
  onUsage: ((record: UsageRecord) => void | Promise<void>) | undefined;
  logger: RouterLogger | false | undefined;
  clock: Clock;
  random: () => number;
  /** Prompt-cache affinity; undefined when turned off. */
  affinity: ResolvedAffinity | undefined;
}

export type ResolvedCircuitBreaker = Required<Omit<CircuitBreakerOptions, 'openMs'>>;

/** A key no JSON or object literal should carry: it would be dropped or rewrite a prototype. */
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

export function resolveOptions(
  options: ModelRouterOptions,
  defaults: {
    estimateTokens: ResolvedOptions['estimateTokens'];
    resolveSecret: ResolvedOptions['resolveSecret'];
    clock: Clock;
  },
): ResolvedOptions {
  for (const field of ['adapters', 'strategies'] as const) {
    const record = (options as unknown as Record<string, unknown>)[field];
    if (typeof record !== 'object' || record === null) continue;
    const bad = FORBIDDEN_KEYS.find((k) => Object.hasOwn(record, k));
    if (bad) throw invalid(`options.${field}.${bad}`, 'is not an allowed name');
  }
  const o = parseOrThrow(optionsSchema, options, 'options') as ModelRouterOptions;
  const cooldown = {
    defaultMs: o.cooldown?.defaultMs ?? 30_000,
    minMs: o.cooldown?.minMs ?? 1_000,
    maxMs: o.cooldown?.maxMs ?? 600_000,
    quarantineMs: o.cooldown?.quarantineMs ?? 900_000,
  };
  return {
    adapters: o.adapters,
    defaultStrategy: o.defaultStrategy ?? 'quota_aware',
    strategies: o.strategies ?? {},
    maxAttempts: o.maxAttempts ?? 5,
    timeouts: {
      attemptMs: o.timeouts?.attemptMs ?? 120_000,
      firstChunkMs: o.timeouts?.firstChunkMs ?? 60_000,
      idleMs: o.timeouts?.idleMs ?? 60_000,
      totalMs: o.timeouts?.totalMs ?? 300_000,
      queueWaitMs: o.timeouts?.queueWaitMs ?? 10_000,
      closeMs: o.timeouts?.closeMs ?? 10_000,
    },
    limits: {
      maxOutputChars: o.limits?.maxOutputChars ?? 4_194_304,
      maxToolCalls: o.limits?.maxToolCalls ?? 128,
      streamBufferBytes: o.limits?.streamBufferBytes ?? 1_048_576,
    },
    retryBudget: {
      ratio: o.retryBudget?.ratio ?? 0.5,
      minPerSecond: o.retryBudget?.minPerSecond ?? 10,
      windowMs: o.retryBudget?.windowMs ?? 10_000,
    },
    circuitBreaker: {
      failureThreshold: o.circuitBreaker?.failureThreshold ?? 5,
      probeIntervalMs: o.circuitBreaker?.probeIntervalMs ?? o.circuitBreaker?.openMs ?? 5_000,
      probationMs: o.circuitBreaker?.probationMs ?? 30_000,
      demoteAfterTimeoutMs: o.circuitBreaker?.demoteAfterTimeoutMs ?? 15_000,
    },
    retry: { baseMs: o.retry?.baseMs ?? 250, maxMs: o.retry?.maxMs ?? 4_000 },
    cooldown,
    estimateTokens: o.estimateTokens ?? defaults.estimateTokens,
    defaultMaxOutputTokens: o.defaultMaxOutputTokens ?? 1024,
    resolveSecret: o.resolveSecret ?? defaults.resolveSecret,
    authorize: o.authorize ?? ((actor) => (actor as { role?: unknown } | undefined)?.role === 'admin'),
    virtualKeyPepper:
      typeof o.virtualKeyPepper === 'string'
        ? new TextEncoder().encode(o.virtualKeyPepper)
        : (o.virtualKeyPepper ?? new Uint8Array(0)),
    defaultModel: o.defaultModel,
    onUsage: o.onUsage,
    logger: o.logger,
    clock: o.clock ?? defaults.clock,
    random: o.random ?? Math.random,
    affinity: resolveAffinity(o.affinity),
  };
}

import { RouterError } from '../errors/router-error.js';
import type { Clock } from '../util/clock.js';
import type { RedisQuotaOptions, StoreErrorMode } from './options.js';
import type { RedisScriptClient } from './script-runner.js';

export interface ResolvedRedisQuotaOptions {
  client: RedisScriptClient;
  prefix: string;
  leaseTtlMs: number;
  onStoreError: StoreErrorMode;
  onError: RedisQuotaOptions['onError'];
  windowMs: number;
  bucketMs: number;
  commandTimeoutMs: number;
  outageRetryMs: number;
  pollIntervalMs: number;
  clock: Clock | undefined;
}

/** A window of more buckets than this makes the scripts' bucket loops too long. */
const MAX_BUCKETS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveInteger(name: string, value: number, max = MAX_TIMER_MS): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new RouterError(
      'VALIDATION',
      `redisQuota: ${name} must be an integer in [1, ${max}], got ${value}`,
      {
        details: { field: name },
      },
    );
  }
  return value;
}

/** Defaults applied once, every value checked here so that the store can trust them. */
export function resolveRedisQuotaOptions(options: RedisQuotaOptions): ResolvedRedisQuotaOptions {
  const client = options?.client;
  if (typeof client?.evalsha !== 'function' || typeof client.eval !== 'function') {
    throw new RouterError(
      'VALIDATION',
      'redisQuota: client must be an ioredis client (with evalsha and eval)',
      {
        details: { field: 'client' },
      },
    );
  }
  const onStoreError = options.onStoreError ?? 'fail-open';
  if (onStoreError !== 'fail-open' && onStoreError !== 'fail-closed') {
    throw new RouterError(
      'VALIDATION',
      `redisQuota: onStoreError must be 'fail-open' or 'fail-closed', got ${String(onStoreError)}`,
      {
        details: { field: 'onStoreError' },
      },
    );
  }
  const prefix = options.prefix ?? 'mr:quota:';
  if (typeof prefix !== 'string') {
    throw new RouterError('VALIDATION', 'redisQuota: prefix must be a string', {
      details: { field: 'prefix' },
    });
  }
  const windowMs = positiveInteger('windowMs', options.windowMs ?? 60_000);
  const bucketMs = positiveInteger('bucketMs', options.bucketMs ?? Math.ceil(windowMs / 60), windowMs);
  if (windowMs / bucketMs > MAX_BUCKETS) {
    throw new RouterError('VALIDATION', `redisQuota: bucketMs must be at least windowMs / ${MAX_BUCKETS}`, {
      details: { field: 'bucketMs' },
    });
  }
  return {
    client,
    prefix,
    leaseTtlMs: positiveInteger('leaseTtlMs', options.leaseTtlMs ?? 60_000),
    onStoreError,
    onError: options.onError,
    windowMs,
    bucketMs,
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs ?? 1_000),
    outageRetryMs: positiveInteger('outageRetryMs', options.outageRetryMs ?? 1_000),
    pollIntervalMs: positiveInteger('pollIntervalMs', options.pollIntervalMs ?? 100),
    clock: options.clock,
  };
}

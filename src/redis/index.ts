/**
 * `model-router/redis`: a `QuotaStore` shared across instances through Redis. ioredis is an optional peer
 * dependency — this entry never imports it; pass the client you created (the store never quits it).
 */
export type { RedisQuotaOptions, StoreErrorMode } from './options.js';
export { type RedisQuotaStore, redisQuota } from './redis-quota.js';
export type { RedisScriptClient } from './script-runner.js';

import { RouterError } from '../errors/router-error.js';
import type { QuotaKey, QuotaLease } from '../quota/quota-store.js';
import type { TenantPrincipal } from '../tenants/types.js';
import type { RequestContext } from './attempt-context.js';
import type { Runtime } from './runtime.js';

/**
 * A tenant's own rpm / tpm / concurrency, kept in the QuotaStore as one more quota key (so they are
 * shared by every router on a Redis store, like a provider key's). The provider id holds a slash,
 * which no catalog provider id may: it never collides with a real key, and it hash-tags each
 * tenant into a slot of its own on Redis Cluster.
 */
export function tenantQuotaKey(principal: TenantPrincipal): QuotaKey | undefined {
  const { rpm, tpm, maxConcurrent } = principal.tenant;
  if (rpm === undefined && tpm === undefined && maxConcurrent === undefined) return undefined;
  return {
    providerId: `tenant/${principal.tenant.id}`,
    keyId: 'limits',
    ...(rpm === undefined ? {} : { rpm }),
    ...(tpm === undefined ? {} : { tpm }),
    ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
  };
}

/**
 * Take one request, its estimated tokens and a slot of the tenant's limits before the first attempt.
 * A tenant over its limits is refused at once (`QUOTA_EXHAUSTED`, 429, `details.scope: 'tenant'`),
 * not queued: its own traffic is what holds the capacity.
 */
export async function reserveTenant(
  rt: Runtime,
  rc: RequestContext<object>,
): Promise<QuotaLease | undefined> {
  const key = rc.tenant ? tenantQuotaKey(rc.tenant) : undefined;
  if (!key) return undefined;
  const output = rc.maxOutputTokens ?? rt.options.defaultMaxOutputTokens;
  const reserved = await rt.quota.reserve({ keys: [key], tokens: rc.promptEstimate + output });
  if (reserved.ok) return reserved.lease;
  const reason = reserved.blocked[0]?.reason ?? 'concurrency';
  throw new RouterError('QUOTA_EXHAUSTED', `The tenant's ${reason} limit is reached`, {
    details: { scope: 'tenant', reason },
    // A slot returns when one of the tenant's own requests ends: soon, but not at a known moment.
    retryAfterMs: reserved.retryAfterMs ?? 1_000,
  });
}

/** Give the tenant's slot back and count the tokens the attempts really used. Never throws. */
export async function settleTenant(
  rt: Runtime,
  rc: RequestContext<object>,
  lease: QuotaLease,
): Promise<void> {
  try {
    await rt.quota.settle(lease, { tokens: rc.spent.tokens });
  } catch (error) {
    rt.emitter.emit('error', { source: 'quota', error });
  }
}

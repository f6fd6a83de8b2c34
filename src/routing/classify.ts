import type { ProviderErrorKind } from '../errors/provider-error.js';

/**
 * What a failed attempt means for the rest of the request (README: How a request is routed, step 6):
 * - `next_key`: the key is the problem (cooled or quarantined); try another key of the same provider.
 * - `next_candidate`: the provider/model is the problem; counts toward its circuit breaker.
 * - `context_fallback`: only a candidate with a larger context window may help.
 * - `stop`: the request itself is the problem; no failover.
 */
export type FailoverAction = 'next_key' | 'next_candidate' | 'context_fallback' | 'stop';

export interface Decision {
  action: FailoverAction;
  /** Whether the failure says the candidate is unhealthy (circuit breaker). */
  unhealthy: boolean;
  /**
   * A passing failure: worth retrying the same candidate (after a backoff) when no other is left.
   * Deterministic ones (bad request, not found, a malformed reply) would only fail again.
   */
  transient?: true;
}

const DECISIONS: Record<ProviderErrorKind, Decision> = {
  rate_limited: { action: 'next_key', unhealthy: false },
  auth: { action: 'next_key', unhealthy: false },
  server: { action: 'next_candidate', unhealthy: true, transient: true },
  overloaded: { action: 'next_candidate', unhealthy: true, transient: true },
  timeout: { action: 'next_candidate', unhealthy: true, transient: true },
  network: { action: 'next_candidate', unhealthy: true, transient: true },
  protocol: { action: 'next_candidate', unhealthy: true },
  unknown: { action: 'next_candidate', unhealthy: true, transient: true },
  not_found: { action: 'next_candidate', unhealthy: false },
  context_length: { action: 'context_fallback', unhealthy: false },
  bad_request: { action: 'stop', unhealthy: false },
  content_filter: { action: 'stop', unhealthy: false },
};

export function decide(kind: ProviderErrorKind): Decision {
  return DECISIONS[kind];
}

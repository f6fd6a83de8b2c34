/** Every code a `RouterError` can carry. Stable strings: match on them, never on messages. */
export const ROUTER_ERROR_CODES = [
  'VALIDATION',
  'UNKNOWN_MODEL',
  'AMBIGUOUS_MODEL',
  'NO_CANDIDATES',
  'QUOTA_EXHAUSTED',
  'QUEUE_TIMEOUT',
  'ALL_CANDIDATES_FAILED',
  'PROVIDER_ERROR',
  'STREAM_INTERRUPTED',
  'TIMEOUT',
  'ABORTED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'STORAGE_ERROR',
  'PROTOCOL_ERROR',
  'MISSING_DEPENDENCY',
  'CLOSED',
  'COST_LIMIT_EXCEEDED',
  'UNAUTHENTICATED',
  'BUDGET_EXCEEDED',
] as const;

export type RouterErrorCode = (typeof ROUTER_ERROR_CODES)[number];

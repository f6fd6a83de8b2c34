/**
 * A spending cap in USD. `period`: `'day'` and `'month'` are calendar periods in UTC (the spend
 * starts again at 00:00 UTC / the first of the month); `'rolling'` counts the last `windowMs`;
 * `'total'` never resets.
 */
export interface Budget {
  /** The cap, in USD. */
  usd: number;
  period: 'day' | 'month' | 'rolling' | 'total';
  /** Length of a `'rolling'` window, in ms (required for it, refused for the others). */
  windowMs?: number;
}

/** A team or customer served through virtual keys. */
export interface Tenant {
  id: string;
  /** Unique. */
  name: string;
  /** Model names (groups, `providerId/modelId`, model ids) its keys may ask for; absent: any. */
  allowedModels?: string[];
  /** Tags every candidate serving it must carry (catalog member or model tags); absent: none required. */
  tags?: string[];
  /** Requests per minute, over all its keys. */
  rpm?: number;
  /** Tokens per minute (prompt estimate + output reservation, then what was used). */
  tpm?: number;
  /** Requests in flight at once. */
  maxConcurrent?: number;
  budgets?: Budget[];
  /** A disabled tenant's keys are refused (403). */
  enabled: boolean;
  metadata?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** A virtual API key as reads show it: never the key, never its hash. */
export interface VirtualKey {
  id: string;
  tenantId: string;
  name?: string;
  /** `mr-…` followed by enough to recognise the key in a list, never enough to use it. */
  preview: string;
  /** Narrows the tenant's `allowedModels` (a key can never reach more than its tenant). */
  allowedModels?: string[];
  budgets?: Budget[];
  /** ISO time after which the key is refused (401). */
  expiresAt?: string;
  /** ISO time the key was revoked (401 from then on). */
  revokedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** A virtual key as a storage holds it: with the hash the router looks it up by. */
export interface StoredVirtualKey extends VirtualKey {
  /** HMAC-SHA256 of the key under the router's pepper, hex. */
  hash: string;
}

/** What `createVirtualKey` returns: the key itself, shown this once. */
export interface CreatedVirtualKey extends VirtualKey {
  /** The key to hand to the caller. It is not stored and cannot be read again. */
  key: string;
}

/**
 * Who a request comes from, as `router.authenticateKey()` returns it; pass it as
 * `RequestOptions.tenant` and the tenant's allowed models, tags, limits and budgets apply.
 */
export interface TenantPrincipal {
  readonly tenant: Tenant;
  readonly key: VirtualKey;
}

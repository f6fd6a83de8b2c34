import type { Budget } from './types.js';

/*
 * Tenants and virtual keys as the admin API takes them, as documented interfaces: what an editor
 * shows on hover. The zod schemas in inputs.ts validate exactly these shapes (a type test holds
 * them together). In a patch, a field left out is unchanged and an optional field given as `null`
 * is cleared.
 */

/** A team or customer served through virtual keys. */
export interface TenantInput {
  /** Stable id. @default a random UUID */
  id?: string;
  /** Unique name; letters, digits, space and `. _ : @ - /`. */
  name: string;
  /** Model names (groups, `providerId/modelId`, model ids) its keys may ask for, at most 1,000. @default any */
  allowedModels?: string[];
  /** Tags every candidate serving it must carry (catalog member or model tags), at most 50. @default none required */
  tags?: string[];
  /** Requests per minute, over all its keys. @default unlimited */
  rpm?: number;
  /** Tokens per minute over all its keys (prompt estimate plus output reserve, then what was used). @default unlimited */
  tpm?: number;
  /** Requests in flight at once, over all its keys. @default unlimited */
  maxConcurrent?: number;
  /** Spending caps in USD, at most 10 (see `Budget`). @default none */
  budgets?: Budget[];
  /** A disabled tenant's keys are refused (403). @default true */
  enabled?: boolean;
  /** Your own string pairs (at most 50). @default none */
  metadata?: Record<string, string>;
}

/** Changes to a tenant. */
export interface TenantPatch {
  /** @default unchanged */
  name?: string;
  /** `null`: any model. @default unchanged */
  allowedModels?: string[] | null;
  /** `null`: no tag required. @default unchanged */
  tags?: string[] | null;
  /** `null`: unlimited. @default unchanged */
  rpm?: number | null;
  /** `null`: unlimited. @default unchanged */
  tpm?: number | null;
  /** `null`: unlimited. @default unchanged */
  maxConcurrent?: number | null;
  /** Replaces the budgets; `null` removes them. @default unchanged */
  budgets?: Budget[] | null;
  /** @default unchanged */
  enabled?: boolean;
  /** Replaces the metadata; `null` removes it. @default unchanged */
  metadata?: Record<string, string> | null;
}

/** A virtual API key of a tenant (the key itself is generated and shown once). */
export interface VirtualKeyInput {
  /** A label for lists. @default none */
  name?: string;
  /** Narrows the tenant's `allowedModels` (a key never reaches more than its tenant). @default the tenant's */
  allowedModels?: string[];
  /** Spending caps of this key, beside the tenant's. @default none */
  budgets?: Budget[];
  /** ISO 8601 with a zone (`2027-01-01T00:00:00Z`); the key is refused (401) after it. @default never expires */
  expiresAt?: string;
}

/** Changes to a virtual key. */
export interface VirtualKeyPatch {
  /** `null` clears it. @default unchanged */
  name?: string | null;
  /** `null`: the tenant's. @default unchanged */
  allowedModels?: string[] | null;
  /** `null` removes them. @default unchanged */
  budgets?: Budget[] | null;
  /** `null`: never expires. @default unchanged */
  expiresAt?: string | null;
  /** Set by `revokeVirtualKey` only. @default unchanged */
  revokedAt?: string;
}

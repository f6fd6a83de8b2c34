import type { SkipReason } from '../routing/headroom.js';
import type { RouterErrorCode } from './codes.js';

/** A candidate the router did not try, and why (in `details.skipped`). */
export interface SkippedCandidateDetail {
  providerId: string;
  modelId: string;
  reason: SkipReason | 'concurrency' | 'rpm' | 'tpm';
  /** Ms until it may be tried again, when known. */
  retryAfterMs?: number;
  /** Clock time (epoch ms) it may be tried again. */
  until?: number;
  /** `secret_unavailable`: the keys whose secret did not resolve. */
  keyIds?: string[];
  message?: string;
}

/** One field's problem in a `VALIDATION` error. */
export interface ValidationIssue {
  field: string;
  message: string;
}

/**
 * The shape of `RouterError.details` for the codes where it has one. Every field is optional where
 * some throw site leaves it out; other codes carry a plain record.
 */
export interface RouterErrorDetailsMap {
  VALIDATION: { field?: string; issues?: ValidationIssue[] };
  UNKNOWN_MODEL: { model?: string; suggestions?: string[] };
  AMBIGUOUS_MODEL: { model?: string; candidates?: string[] };
  NO_CANDIDATES: { model?: string; tags?: string[]; filtered?: SkippedCandidateDetail[] };
  /** `scope: 'tenant'`: the tenant's own limits, not its candidates' (see `RequestOptions.tenant`). */
  QUOTA_EXHAUSTED: {
    scope?: 'tenant';
    reason?: string;
    skipped?: SkippedCandidateDetail[];
    skippedMore?: number;
  };
  QUEUE_TIMEOUT: { reason?: string; skipped?: SkippedCandidateDetail[]; skippedMore?: number };
  ALL_CANDIDATES_FAILED: {
    /** Why the loop stopped: candidates ran out (`exhausted`), or attempts, time or retry budget did. */
    reason?: 'exhausted' | 'max_attempts' | 'retry_budget' | 'timeout';
    /** Each candidate not tried and why (at most a few; `skippedMore` counts the rest). */
    skipped?: SkippedCandidateDetail[];
    skippedMore?: number;
  };
  FORBIDDEN: { action?: string };
  NOT_FOUND: { entity?: string; id?: string };
  CONFLICT: { entity?: string };
  MISSING_DEPENDENCY: { package?: string };
  BUDGET_EXCEEDED: {
    /** Whose budget: the tenant's (all its keys) or the virtual key's own. */
    scope?: 'tenant' | 'virtual_key';
    period?: 'day' | 'month' | 'rolling' | 'total';
    limitUsd?: number;
    /** Settled spend in the period, and what requests in flight hold, in USD. */
    spentUsd?: number;
    heldUsd?: number;
    /** ISO time the period ends (day, month). */
    resetsAt?: string;
  };
  COST_LIMIT_EXCEEDED: { maxCostUsd?: number; cheapestUsd?: number; skipped?: SkippedCandidateDetail[] };
}

/** `RouterError.details` for code `C`: its known shape, plus any other secret-free field. */
export type RouterErrorDetails<C extends RouterErrorCode = RouterErrorCode> =
  C extends keyof RouterErrorDetailsMap
    ? RouterErrorDetailsMap[C] & Record<string, unknown>
    : Record<string, unknown>;

import type { CandidateEntry } from '../catalog/cache.js';
import { ProviderError } from '../errors/provider-error.js';
import { RouterError } from '../errors/router-error.js';
import type { AttemptSummary, Usage } from '../types/result.js';
import type { UsageRecord } from '../types/usage-record.js';
import { costUsd } from '../usage/cost.js';
import type { RequestContext } from './attempt-context.js';

export function failureSummary(
  attempt: number,
  c: CandidateEntry,
  keyId: string,
  latencyMs: number,
  error: unknown,
  interrupted: boolean,
): AttemptSummary {
  const summary: AttemptSummary = {
    attempt,
    providerId: c.providerId,
    modelId: c.modelId,
    keyId,
    status:
      RouterError.isInstance(error) && error.code === 'ABORTED'
        ? 'aborted'
        : interrupted
          ? 'interrupted'
          : 'error',
    latencyMs,
  };
  if (RouterError.isInstance(error)) {
    summary.errorCode = error.code;
    summary.message = error.message;
  }
  if (ProviderError.isProviderError(error)) {
    summary.errorKind = error.kind;
    if (error.status !== undefined) summary.httpStatus = error.status;
  }
  return summary;
}

export function usageRecord(
  rc: RequestContext<object>,
  c: CandidateEntry,
  s: AttemptSummary,
  usage: Usage,
  startedAt: number,
  finishedAt: number,
  ttftMs: number | undefined,
): UsageRecord {
  const record: UsageRecord = {
    requestId: rc.requestId,
    attempt: s.attempt,
    operation: rc.operation,
    status: s.status,
    providerId: c.providerId,
    modelId: c.modelId,
    keyId: s.keyId,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    totalTokens: usage.totalTokens,
    estimated: usage.estimated,
    latencyMs: finishedAt - startedAt,
    stream: rc.stream,
    startedAt,
    finishedAt,
  };
  if (rc.target.group) record.groupName = rc.target.group.name;
  if (usage.cachedPromptTokens !== undefined) record.cachedPromptTokens = usage.cachedPromptTokens;
  if (usage.cacheWriteTokens !== undefined) record.cacheWriteTokens = usage.cacheWriteTokens;
  if (rc.tenant) {
    record.tenantId = rc.tenant.tenant.id;
    record.virtualKeyId = rc.tenant.key.id;
  }
  const cost = costUsd(c.model, usage);
  if (cost !== undefined) record.costUsd = cost;
  if (ttftMs !== undefined) record.ttftMs = ttftMs;
  // The provider error's kind says more than its code (always PROVIDER_ERROR).
  const errorCode = s.errorKind ?? s.errorCode;
  if (errorCode !== undefined) record.errorCode = errorCode;
  if (s.httpStatus !== undefined) record.httpStatus = s.httpStatus;
  return record;
}

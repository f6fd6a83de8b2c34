import type { ModelRouter } from 'model-router';

/**
 * The dashboard's live view: each group → its candidates (in the order the router would try them
 * now, with skip reasons) → their keys (limits, window use, in-flight, queued, cooling). Ids and
 * numbers only: `stats()` and `plan()` carry no secret.
 */
export async function dashboardState(router: ModelRouter) {
  const [models, stats] = [await router.listModels(), router.stats()];
  const keysOf = new Map<string, typeof stats.keys>();
  for (const k of stats.keys) {
    const list = keysOf.get(k.providerId) ?? [];
    list.push(k);
    keysOf.set(k.providerId, list);
  }
  const now = Date.now();
  const groups = [];
  for (const m of models) {
    if (m.kind !== 'group') continue;
    const plan = await router.plan(m.id).catch(() => []);
    groups.push({
      name: m.id,
      available: m.available,
      candidates: plan.map((c) => ({
        providerId: c.providerId,
        modelId: c.modelId,
        headroom: c.headroom,
        circuit: c.circuit,
        inFlight: c.inFlight,
        usableKeys: c.usableKeys,
        totalKeys: c.totalKeys,
        ...(c.skip ? { skip: c.skip } : {}),
        ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}),
        keys: (keysOf.get(c.providerId) ?? []).map((k) => ({
          keyId: k.keyId,
          inFlight: k.inFlight,
          queued: k.queued,
          requestsInWindow: k.requestsInWindow,
          tokensInWindow: k.tokensInWindow,
          ...(k.rpm !== undefined ? { rpm: k.rpm } : {}),
          ...(k.tpm !== undefined ? { tpm: k.tpm } : {}),
          ...(k.maxConcurrent !== undefined ? { maxConcurrent: k.maxConcurrent } : {}),
          ...((k.coolingUntil ?? 0) > now ? { coolingUntil: k.coolingUntil } : {}),
          ...((k.quarantinedUntil ?? 0) > now ? { quarantinedUntil: k.quarantinedUntil } : {}),
        })),
      })),
    });
  }
  return { now, inFlight: stats.inFlight, queued: stats.queued, groups };
}

/**
 * `npm run example`: a group failing over from an exhausted provider to another, on the embedded
 * defaults (memory storage, memory quota) and mock providers — no keys, no network.
 */
import { ModelRouter, type UsageRecord } from 'model-router';
import { mockProvider } from 'model-router/testing';

// "fast-cloud" is cheap but small: one key at 3 requests per minute, and its first call is rate limited.
const fastCloud = mockProvider({
  name: 'fast-cloud',
  script: [{ error: { status: 429, retryAfterMs: 20_000, message: 'Rate limit reached for requests' } }],
  fallback: { text: 'Answer from fast-cloud.' },
});
// "steady-ai" has room to spare.
const steadyAi = mockProvider({ name: 'steady-ai', fallback: { text: 'Answer from steady-ai.' } });

const router = new ModelRouter({
  catalog: {
    providers: [
      {
        id: 'fast-cloud',
        adapter: 'fast-cloud',
        keys: [
          { id: 'fc-key-1', secret: 'demo-secret-1', rpm: 3 },
          { id: 'fc-key-2', secret: 'demo-secret-2', rpm: 3 },
        ],
      },
      {
        id: 'steady-ai',
        adapter: 'steady-ai',
        keys: [{ id: 'sa-key-1', secret: 'demo-secret-3', rpm: 100 }],
      },
    ],
    models: [
      { providerId: 'fast-cloud', modelId: 'fc-small', inputCostPerMTok: 0.15, outputCostPerMTok: 0.6 },
      { providerId: 'steady-ai', modelId: 'sa-large', inputCostPerMTok: 3, outputCostPerMTok: 15 },
    ],
    groups: [
      {
        name: 'coding',
        // Try fast-cloud first while it has room; fail over when its key pool is spent.
        failoverStrategy: 'priority',
        members: [
          { providerId: 'fast-cloud', modelId: 'fc-small', priority: 0 },
          { providerId: 'steady-ai', modelId: 'sa-large', priority: 1 },
        ],
      },
    ],
  },
  adapters: { 'fast-cloud': fastCloud, 'steady-ai': steadyAi },
  onUsage: (r: UsageRecord) => {
    const cost = r.costUsd === undefined || r.status !== 'success' ? '' : ` $${r.costUsd.toFixed(6)}`;
    const error = r.errorCode ? ` (${r.errorCode}${r.httpStatus ? ` ${r.httpStatus}` : ''})` : '';
    console.log(
      `    usage   #${r.attempt} ${r.status.padEnd(7)} ${r.providerId}/${r.modelId} key=${r.keyId} ` +
        `tokens=${r.promptTokens}+${r.completionTokens}${r.estimated ? ' (estimated)' : ''}${cost}${error}`,
    );
  },
});

router.on('attempt', (e) =>
  console.log(`    attempt #${e.attempt} → ${e.providerId}/${e.modelId} with key ${e.keyId}`),
);
router.on('cooldown', (e) =>
  console.log(
    `    cooldown ${e.providerId}/${e.keyId} until +${Math.round((e.until - Date.now()) / 1000)}s (${e.reason})`,
  ),
);
router.on('failover', (e) =>
  console.log(`    failover (${e.action}) after ${e.error.kind} ${e.error.status ?? ''}`.trimEnd()),
);

for (let i = 1; i <= 6; i++) {
  console.log(`request ${i}:`);
  const res = await router.complete({
    model: 'coding',
    messages: [{ role: 'user', content: `Question ${i}` }],
  });
  console.log(
    `  ⇒ ${res.model.providerId}/${res.model.modelId}: "${res.message.content}" in ${res.attempts.length} attempt(s)`,
  );
}

console.log('\nplan for "coding" now:');
for (const c of await router.plan('coding')) {
  const skip = c.skip
    ? `skipped: ${c.skip}${c.retryAfterMs ? `, back in ${Math.ceil(c.retryAfterMs / 1000)}s` : ''}`
    : 'ready';
  console.log(
    `  ${c.providerId}/${c.modelId}  headroom=${(c.headroom * 100).toFixed(0)}%  keys=${c.usableKeys}/${c.totalKeys}  ${skip}`,
  );
}

const stats = router.stats();
console.log(
  `\nin flight: ${stats.inFlight}, queued: ${stats.queued}, leases outstanding: ${stats.leases?.outstanding ?? 0}`,
);
await router.close();

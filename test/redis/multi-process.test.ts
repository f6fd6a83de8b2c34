import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisQuota } from '../../src/redis/index.js';
import { type MockOpenAIServer, startMockOpenAI } from './fixtures/mock-openai-server.js';
import { connect, deleteKeys, eventually, REDIS_URL, testPrefix } from './redis-env.js';

/*
 * Four routers in four processes share one key through redisQuota. The window is 3 s instead of 60 s
 * (`windowMs`, same code path: the limit is "per window") so that three windows take 9 s, not 3 minutes.
 * The provider measures arrivals, not reservations: 150 ms buckets keep the store's guard bucket above the
 * scheduling jitter of five busy processes on one machine (the default, windowMs / 60, is 1 s per minute).
 */
const WINDOW_MS = 3_000;
const BUCKET_MS = 150;
const LIMIT = 30; // requests per window (the "rpm" of this test)
const TOKENS_PER_REQUEST = 25; // the mock provider's usage: 5 + 20
const TPM = 800; // tokens per window: the request limit binds, the token limit is checked too
const MAX_CONCURRENT = 4;
const WORKERS = 4;
const DURATION_MS = 3 * WINDOW_MS;
// Each worker's share is LIMIT / WORKERS per window; it is offered twice that.
const INTERVAL_MS = WINDOW_MS / ((2 * LIMIT) / WORKERS);
const LEASE_TTL_MS = 1_000;

const workerPath = fileURLToPath(new URL('./fixtures/router-worker.ts', import.meta.url));

interface Done {
  type: 'done';
  outcomes: Record<string, number>;
  inFlight: number;
  queued: number;
  accounting: { outstanding: number; doubleReleases: number };
}

describe.skipIf(!REDIS_URL)('redisQuota: four router processes share one key', () => {
  const prefix = testPrefix('multi-process');
  const admin = REDIS_URL ? connect() : undefined;
  const children: ChildProcess[] = [];
  let server: MockOpenAIServer;

  function spawnWorker(index: number, mode: 'load' | 'hang', keyId: string): ChildProcess {
    const child = fork(workerPath, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        WORKER_MODE: mode,
        REDIS_URL: REDIS_URL!,
        QUOTA_PREFIX: prefix,
        WINDOW_MS: String(WINDOW_MS),
        BUCKET_MS: String(BUCKET_MS),
        LEASE_TTL_MS: String(LEASE_TTL_MS),
        KEY_ID: keyId,
        RPM: String(LIMIT),
        TPM: String(TPM),
        MAX_CONCURRENT: String(mode === 'hang' ? 2 : MAX_CONCURRENT),
        BASE_URL: server.url,
        INTERVAL_MS: String(INTERVAL_MS),
        DURATION_MS: String(DURATION_MS),
        PHASE_MS: String((index * INTERVAL_MS) / WORKERS),
      },
    });
    children.push(child);
    return child;
  }

  const nextMessage = <T>(child: ChildProcess, type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: { type: string; message?: string }) => {
        if (message.type === 'error') reject(new Error(message.message));
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`worker exited (${code}) before "${type}"`)));
    });

  beforeAll(async () => {
    server = await startMockOpenAI(100);
  });

  afterAll(async () => {
    // Stop any worker still running, by its own PID.
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    }
    await server?.close();
    if (admin) {
      await deleteKeys(admin, prefix);
      await admin.quit();
    }
  });

  it('each offered twice its share: the provider sees ≤ the limits in every sliding window and ≥ 90% is used', async () => {
    const workers = Array.from({ length: WORKERS }, (_, i) => spawnWorker(i, 'load', 'shared'));
    await Promise.all(workers.map((w) => nextMessage(w, 'ready')));
    const startAt = Date.now() + 200;
    const done = workers.map((w) => nextMessage<Done>(w, 'done'));
    for (const w of workers) w.send({ type: 'go', startAt });
    const reports = await Promise.all(done);

    const arrivals = server.arrivals.map((a) => a.at).sort((a, b) => a - b);
    // Every sliding window, ending at each arrival: never more than the limits.
    let busiest = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (arrivals[j]! <= arrivals[i]! - WINDOW_MS) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    // Utilisation over the whole windows of the run.
    const windows = Math.floor((arrivals.at(-1)! - arrivals[0]!) / WINDOW_MS);
    const inWholeWindows = arrivals.filter((t) => t < arrivals[0]! + windows * WINDOW_MS).length;
    const used = inWholeWindows / (windows * LIMIT);
    console.log(
      `[multi-process] ${arrivals.length} requests reached the provider; busiest window ${busiest}/${LIMIT}; ` +
        `utilisation ${(used * 100).toFixed(1)}% over ${windows} windows; max concurrent ${server.maxConcurrent}/${MAX_CONCURRENT}; ` +
        `outcomes ${JSON.stringify(reports.map((r) => r.outcomes))}`,
    );
    expect(busiest).toBeLessThanOrEqual(LIMIT);
    expect(busiest * TOKENS_PER_REQUEST).toBeLessThanOrEqual(TPM + TOKENS_PER_REQUEST);
    expect(server.maxConcurrent).toBeLessThanOrEqual(MAX_CONCURRENT);
    expect(used).toBeGreaterThanOrEqual(0.9);
    for (const report of reports) {
      expect(report).toMatchObject({
        inFlight: 0,
        queued: 0,
        accounting: { outstanding: 0, doubleReleases: 0 },
      });
      expect(
        Object.keys(report.outcomes).every((code) =>
          ['ok', 'QUOTA_EXHAUSTED', 'QUEUE_TIMEOUT'].includes(code),
        ),
      ).toBe(true);
    }
  }, 60_000);

  it('a process killed mid-request returns its slots within two lease periods', async () => {
    const child = spawnWorker(0, 'hang', 'hang');
    await nextMessage(child, 'ready');
    const hangingBefore = server.hanging;
    child.send({ type: 'go' });
    await eventually(
      () => server.hanging >= hangingBefore + 2,
      10_000,
      'both requests to reach the provider',
    );
    const probe = redisQuota({ client: admin!, prefix, windowMs: WINDOW_MS, bucketMs: BUCKET_MS });
    const key = { providerId: 'up', keyId: 'hang', maxConcurrent: 2 };
    expect((await probe.reserve({ keys: [key], tokens: 0 })).ok).toBe(false);

    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGKILL'); // a crash: no finally, no settle, no more renewals
    await exited;
    const leases: Array<{ leaseId: string }> = [];
    await eventually(
      async () => {
        const result = await probe.reserve({ keys: [key], tokens: 0 });
        if (result.ok) leases.push(result.lease);
        return leases.length === 2;
      },
      2 * LEASE_TTL_MS,
      'both slots to come back',
    );
    await probe.close();
  }, 30_000);
});

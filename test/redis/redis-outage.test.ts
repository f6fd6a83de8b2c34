import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RouterError } from '../../src/errors/router-error.js';
import type { QuotaKey } from '../../src/quota/quota-store.js';
import { redisQuota } from '../../src/redis/index.js';
import { connect, deleteKeys, eventually, REDIS_URL, testPrefix } from './redis-env.js';

const k: QuotaKey = { providerId: 'p', keyId: 'k', rpm: 100, maxConcurrent: 1 };
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function unreachableClient(port: number): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // expected: connection refused
  return client;
}

async function reserveOk(quota: ReturnType<typeof redisQuota>) {
  const result = await quota.reserve({ keys: [k], tokens: 10 });
  if (!result.ok) throw new Error(`expected a lease, got ${JSON.stringify(result)}`);
  return result.lease;
}

describe.skipIf(!REDIS_URL)('redisQuota when Redis is unreachable', () => {
  it('fail-open: reserves locally, enforces limits locally, reports the error, leaks nothing', async () => {
    const client = unreachableClient(await closedPort());
    const errors: RouterError[] = [];
    const quota = redisQuota({ client, onError: (e) => errors.push(e), commandTimeoutMs: 500 });
    const lease = await reserveOk(quota);
    expect(errors.map((e) => e.code)).toEqual(['STORAGE_ERROR']);
    expect(quota.view(k).inFlight).toBe(1);
    expect(await quota.reserve({ keys: [k], tokens: 0 })).toMatchObject({
      ok: false,
      blocked: [{ reason: 'concurrency' }],
    });
    const waiting = quota.waitForCapacity([k], 60_000);
    expect(await quota.cooldown({ providerId: 'p', keyId: 'other' }, 1_000)).toBeGreaterThan(0);
    await quota.settle(lease, { tokens: 4 });
    await waiting; // woken by the local release
    expect(quota.view(k)).toMatchObject({ inFlight: 0, queued: 0 });
    expect(quota.accounting()).toEqual({ acquired: 1, released: 1, outstanding: 0, doubleReleases: 0 });
    await quota.close();
    client.disconnect();
  });

  it('fail-closed: reserve rejects with STORAGE_ERROR and retryAfterMs; other calls still resolve', async () => {
    const client = unreachableClient(await closedPort());
    const errors: RouterError[] = [];
    const quota = redisQuota({ client, onStoreError: 'fail-closed', onError: (e) => errors.push(e) });
    const refused = await quota.reserve({ keys: [k], tokens: 10 }).catch((error: unknown) => error);
    expect(RouterError.isInstance(refused) && refused.code).toBe('STORAGE_ERROR');
    expect((refused as RouterError).retryAfterMs).toBeGreaterThan(0);
    expect(errors).toHaveLength(1);
    await quota.quarantine(k, 1_000);
    await quota.observe(k, { remainingRequests: 0, resetRequestsMs: 1_000 });
    expect(quota.accounting()).toEqual({ acquired: 0, released: 0, outstanding: 0, doubleReleases: 0 });
    await quota.close();
    client.disconnect();
  });

  for (const mode of ['fail-open', 'fail-closed'] as const) {
    it(`${mode}: a disconnect mid-run releases held leases locally; Redis is used again once back`, async () => {
      const prefix = testPrefix(`outage-${mode}`);
      const client = connect();
      const admin = connect();
      const errors: RouterError[] = [];
      const quota = redisQuota({
        client,
        prefix,
        onStoreError: mode,
        onError: (e) => errors.push(e),
        leaseTtlMs: 200,
        outageRetryMs: 50,
      });
      const before = await reserveOk(quota);
      client.disconnect();
      await quota.settle(before); // Redis is gone: released here, its copy expires there
      expect(quota.view(k).inFlight).toBe(0);
      expect(errors.length).toBeGreaterThan(0);
      if (mode === 'fail-open') await quota.settle(await reserveOk(quota));
      else
        await expect(quota.reserve({ keys: [k], tokens: 0 })).rejects.toMatchObject({
          code: 'STORAGE_ERROR',
        });

      await client.connect();
      const hash = `${prefix}{p}:k`;
      await eventually(
        () => admin.zcard(`${hash}:l`).then((n) => n === 0),
        5_000,
        'the orphaned lease to expire',
      );
      await eventually(
        async () => {
          const result = await quota.reserve({ keys: [k], tokens: 0 }).catch(() => undefined);
          if (result?.ok) await quota.settle(result.lease);
          // The one before the outage, the one reserved locally during it (carried into Redis when it
          // came back, in fail-open mode), and this one.
          return (
            result?.ok === true && Number(await admin.hget(hash, 'req')) === (mode === 'fail-open' ? 3 : 2)
          );
        },
        5_000,
        'reservations to reach Redis again',
      );
      expect(quota.accounting()).toMatchObject({ outstanding: 0, doubleReleases: 0 });
      expect(quota.view(k)).toMatchObject({ inFlight: 0, queued: 0 });
      await quota.close();
      await deleteKeys(admin, prefix);
      await Promise.all([client.quit(), admin.quit()]);
    });
  }
});

describe.skipIf(!REDIS_URL || !hasRedisServer)('redisQuota across a Redis restart (own redis-server)', () => {
  let server: ChildProcess | undefined;
  let port = 0;

  async function start(): Promise<void> {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    await eventually(
      () =>
        probe.connect().then(
          () => true,
          () => false,
        ),
      10_000,
      'redis-server to start',
    );
    probe.disconnect();
  }

  async function stop(): Promise<void> {
    const child = server;
    server = undefined;
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid, 'SIGTERM'); // our own child, by its PID
    await exited;
  }

  afterAll(stop);

  for (const mode of ['fail-open', 'fail-closed'] as const) {
    it(`${mode}: behaviour follows onStoreError during the restart, nothing leaks afterwards`, async () => {
      port = await closedPort();
      await start();
      const client = new Redis({ port, maxRetriesPerRequest: 1, retryStrategy: () => 20 });
      client.on('error', () => {});
      const errors: RouterError[] = [];
      const quota = redisQuota({
        client,
        onStoreError: mode,
        onError: (e) => errors.push(e),
        outageRetryMs: 50,
        leaseTtlMs: 500,
      });
      const held = await reserveOk(quota);
      await stop();
      await eventually(() => client.status !== 'ready', 5_000, 'the client to notice');
      const during = await quota
        .reserve({ keys: [{ ...k, keyId: 'k2' }], tokens: 0 })
        .catch((error: unknown) => error);
      if (mode === 'fail-open') expect(during).toMatchObject({ ok: true });
      else expect(during).toMatchObject({ code: 'STORAGE_ERROR' });
      if (mode === 'fail-open') await quota.settle((during as { lease: never }).lease);
      await start(); // an empty Redis: state and scripts are gone
      await eventually(() => client.status === 'ready', 10_000, 'the client to reconnect');
      await quota.settle(held);
      await eventually(
        async () => {
          const result = await quota.reserve({ keys: [k], tokens: 0 }).catch(() => undefined);
          if (result?.ok) await quota.settle(result.lease);
          return result?.ok === true;
        },
        5_000,
        'reservations through Redis again',
      );
      expect(errors.length).toBeGreaterThan(0);
      expect(quota.accounting()).toMatchObject({ outstanding: 0, doubleReleases: 0 });
      expect(quota.view(k)).toMatchObject({ inFlight: 0, queued: 0 });
      await quota.close();
      client.disconnect();
      await stop();
    });
  }
});

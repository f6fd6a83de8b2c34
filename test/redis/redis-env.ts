import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis these tests run against; they are skipped, loudly, without one. */
export const REDIS_URL = process.env.REDIS_URL;

if (!REDIS_URL) {
  console.warn(
    '\n[model-router] REDIS_URL is not set: the Redis quota tests are SKIPPED. ' +
      'Run them with e.g. REDIS_URL=redis://127.0.0.1:6379 npx vitest run test/redis\n',
  );
}

/** A key prefix of its own for each test file, so that files running in parallel never share state. */
export function testPrefix(name: string): string {
  return `mr-test:${name}:${randomUUID().slice(0, 8)}:`;
}

export function connect(): Redis {
  return new Redis(REDIS_URL!, { maxRetriesPerRequest: 1, lazyConnect: false });
}

/** Delete every key under `prefix` (SCAN, never KEYS), then quit the client. */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (found.length > 0) await client.del(...found);
  } while (cursor !== '0');
}

/** Poll `condition` until it holds or `deadlineMs` passes — no blind sleeps. */
export async function eventually(
  condition: () => Promise<boolean> | boolean,
  deadlineMs: number,
  what: string,
) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

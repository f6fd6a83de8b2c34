import { createHash } from 'node:crypto';
import { RouterError } from '../errors/router-error.js';

/**
 * What the store needs of a Redis client: `EVALSHA` and `EVAL`. An ioredis `Redis` or `Cluster` fits;
 * so does any client with these two methods. Typed structurally so that the core never imports ioredis.
 */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** ioredis connection status; a client that is reconnecting or ended is not sent commands. */
  readonly status?: string;
}

export interface Script {
  readonly source: string;
  readonly sha: string;
}

export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** ioredis states in which a command would sit in its offline queue instead of reaching Redis. */
const OFFLINE = new Set(['reconnecting', 'end', 'close']);

/**
 * Run a script by its SHA, loading it with `EVAL` when Redis answers `NOSCRIPT` (first use, or after a
 * restart or `SCRIPT FLUSH`). Fails fast when the client is offline and gives up after `timeoutMs`, so a
 * Redis outage costs a request milliseconds, not ioredis's reconnect schedule.
 *
 * A script that was sent but failed without an answer from Redis (a timeout, a dropped connection)
 * may have run all the same: `onUnknown` then receives a promise that settles (never rejects) when
 * the command's fate is sealed — its late reply or its final failure — so that the caller can undo it.
 */
export async function runScript(
  client: RedisScriptClient,
  target: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
  timeoutMs: number,
  onUnknown?: (settled: Promise<void>) => void,
): Promise<number[]> {
  if (client.status !== undefined && OFFLINE.has(client.status)) {
    throw new RouterError('STORAGE_ERROR', `Redis is unreachable (client status: ${client.status})`);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RouterError('STORAGE_ERROR', `Redis did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref?.();
  });
  const running = evaluate(client, target, keys, args);
  try {
    return (await Promise.race([running, timeout])) as number[];
  } catch (error) {
    if (onUnknown !== undefined && !isReplyError(error)) {
      onUnknown(
        running.then(
          () => undefined,
          () => undefined,
        ),
      );
    } else running.catch(() => {});
    if (RouterError.isInstance(error)) throw error;
    throw new RouterError('STORAGE_ERROR', 'A Redis quota script failed', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** An error Redis itself answered with (the script did not run, or failed): its outcome is known. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

async function evaluate(
  client: RedisScriptClient,
  target: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await client.evalsha(target.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(target.source, keys.length, ...keys, ...args);
  }
}

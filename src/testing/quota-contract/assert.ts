import { inspect, isDeepStrictEqual } from 'node:util';

/*
 * Assertions with no test-runner dependency: the contract runs under vitest, jest, node:test or a plain
 * script. Failures are plain `Error`s that say what was expected.
 */

const show = (value: unknown): string => inspect(value, { depth: 6, breakLength: 120 });

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function checkEqual<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Awaits `promise`, which must reject with exactly `reason` (the abort reason, by identity). */
export async function checkRejectsWith(
  promise: Promise<unknown>,
  reason: unknown,
  what: string,
): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (error === reason) return;
    throw new Error(`${what}: expected rejection with ${show(reason)}, got ${show(error)}`);
  }
  throw new Error(`${what}: expected a rejection, but it resolved`);
}

/** Whether a promise has settled, giving already-queued work a few microtask turns but no timer. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const mark = (): void => {
    settled = true;
  };
  promise.then(mark, mark);
  for (let turn = 0; turn < 10 && !settled; turn++) await Promise.resolve();
  return settled;
}

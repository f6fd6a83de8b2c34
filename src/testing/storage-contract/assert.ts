import { isDeepStrictEqual, inspect } from 'node:util';
import { RouterError } from '../../errors/router-error.js';
import type { RouterErrorCode } from '../../errors/codes.js';

/*
 * Assertions with no test-runner dependency: the contract must run under vitest, jest, node:test
 * or a plain script. Failures are plain `Error`s whose message says what was expected.
 */

const show = (value: unknown) => inspect(value, { depth: 6, breakLength: 120 });

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function checkEqual<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Awaits `action` and checks that it failed with a `RouterError` of `code`; returns the error. */
export async function checkRejects(
  action: Promise<unknown>,
  code: RouterErrorCode,
  what: string,
): Promise<RouterError> {
  let outcome: unknown;
  try {
    outcome = await action;
  } catch (error) {
    if (RouterError.isInstance(error) && error.code === code) return error;
    const got = RouterError.isInstance(error) ? `RouterError ${error.code}: ${error.message}` : show(error);
    throw new Error(`${what}: expected RouterError ${code}, got ${got}`);
  }
  throw new Error(`${what}: expected RouterError ${code}, but it succeeded with ${show(outcome)}`);
}

export function checkIso(value: unknown, what: string): void {
  check(
    typeof value === 'string' && !Number.isNaN(Date.parse(value)),
    `${what}: expected an ISO timestamp, got ${show(value)}`,
  );
}

/** Checks that `later` is not before `earlier` (clocks may not move between two quick writes). */
export function checkNotBefore(later: string, earlier: string, what: string): void {
  check(Date.parse(later) >= Date.parse(earlier), `${what}: ${later} is before ${earlier}`);
}

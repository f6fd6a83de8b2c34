import { READY_PART, type ReadyPartSource } from '../../util/ready-part.js';

/**
 * Read the next result of a stream ahead, and an iterator that replays it then continues. A failure
 * of that read is replayed too (thrown by the first `next()`), so it reaches the consumer as usual.
 * The iterator passes the source's `READY_PART` on.
 */
export async function peek<T>(
  source: ReadyPartSource<T>,
): Promise<{ next: IteratorResult<T> | undefined; rest: ReadyPartSource<T> }> {
  let result: IteratorResult<T> | undefined;
  let failure: { error: unknown } | undefined;
  try {
    result = await source.next();
  } catch (error) {
    failure = { error };
  }
  let pending = true;
  const rest: ReadyPartSource<T> = {
    // Not an async function: after the replayed result, the source's own promise (no extra turns).
    next: () => {
      if (!pending) return source.next();
      pending = false;
      return failure ? Promise.reject(failure.error) : Promise.resolve(result!);
    },
    [READY_PART]: () => {
      if (!pending) return source[READY_PART]?.();
      pending = false;
      if (failure) throw failure.error;
      return result;
    },
    return: async (value?: unknown) =>
      source.return ? source.return(value) : { done: true, value: undefined as unknown as T },
  };
  return { next: result, rest };
}

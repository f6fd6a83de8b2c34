import { READY_PART, type ReadyPartSource } from '../../util/ready-part.js';

/**
 * An iterator that yields an already-read result first, then the rest (its `return` reaches the
 * source, and so does `READY_PART` once the first is out). Not an async function: after the first,
 * `next()` hands out the source's own promise, so a part costs no promise and no microtask turns here.
 */
export function prepend<T>(first: IteratorResult<T>, rest: ReadyPartSource<T>): ReadyPartSource<T> {
  let pending: IteratorResult<T> | undefined = first;
  return {
    next: () => {
      if (!pending) return rest.next();
      const value = pending;
      pending = undefined;
      return Promise.resolve(value);
    },
    [READY_PART]: () => {
      if (!pending) return rest[READY_PART]?.();
      const value = pending;
      pending = undefined;
      return value;
    },
    return: async (value?: unknown) => (rest.return ? rest.return(value) : { done: true, value: undefined }),
  };
}

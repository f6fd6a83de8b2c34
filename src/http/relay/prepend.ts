/** An iterator that yields an already-read result first, then the rest (its `return` reaches the source). */
export function prepend<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncIterator<T> {
  let pending: IteratorResult<T> | undefined = first;
  return {
    next: async () => {
      if (!pending) return rest.next();
      const value = pending;
      pending = undefined;
      return value;
    },
    return: async (value?: unknown) => (rest.return ? rest.return(value) : { done: true, value: undefined }),
  };
}

/**
 * An optional, internal method of the stream iterators the router makes and consumes (the bundled
 * adapters' SSE reader, a `RouterStream`): the next result when it is already there — decoded from a
 * read that brought several events, or buffered in a channel — handed out without a promise, or
 * `undefined` when only `next()` can tell. It throws what `next()` would reject with, and ends the
 * iterator the same way. A consumer that finds it takes parts in a loop and calls `next()` only when
 * it answers `undefined`: a read that brings ten parts then costs one promise instead of ten, and
 * nothing here waits, so an abort or a timeout has nothing to race.
 *
 * A registered symbol (`Symbol.for`): the subpath entries that use it (the HTTP relay, the AI SDK
 * bridge) may be bundled with a copy of this module of their own, and still find the same symbol.
 * Any other iterator simply lacks it, and is read with `next()` alone.
 */
export const READY_PART: unique symbol = Symbol.for('model-router.readyPart');

/** An async iterator that may hand out a result it already holds (see `READY_PART`). */
export interface ReadyPartSource<T> extends AsyncIterator<T> {
  [READY_PART]?(): IteratorResult<T> | undefined;
}

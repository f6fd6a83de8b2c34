/**
 * The string or bytes a `Response` was made from (`new Response(text)`, `Response.json(value)`),
 * when its body is still that one unread piece: `toNodeListener` writes it with the head in one
 * write, instead of reading it back through the body stream (a reader, two reads and a cancel) and
 * flushing the head apart when the handler declared no length.
 *
 * undici keeps a body's source in the response's symbol-keyed state. The slot is found once (at the
 * first call, not at import), by making a response and looking for the one that holds its source; a
 * runtime that keeps it any other way (undici 7, Node 24: private fields) has no such slot, and every
 * body is then read through its stream.
 */
type Slots = Record<symbol, { body?: { source?: unknown; stream?: unknown } } | undefined>;

let stateSlot: symbol | null | undefined;

function findStateSlot(): symbol | null {
  const probe = new Response('probe');
  for (const slot of Object.getOwnPropertySymbols(probe)) {
    if ((probe as unknown as Slots)[slot]?.body?.source === 'probe') return slot;
  }
  return null;
}

/** The unread string or bytes the response was made from; `undefined` for any other body. */
export function responseSource(response: Response): string | Uint8Array | undefined {
  stateSlot ??= findStateSlot();
  if (stateSlot === null) return undefined;
  const body = (response as unknown as Slots)[stateSlot]?.body;
  if (!body || !(body.stream instanceof ReadableStream) || body.stream.locked || response.bodyUsed)
    return undefined;
  const { source } = body;
  return typeof source === 'string' || source instanceof Uint8Array ? source : undefined;
}

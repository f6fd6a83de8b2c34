import { type AnyCallContext, protocolError } from './context.js';

/**
 * The content-block indexes of a streamed message (Anthropic's `index`, Bedrock's
 * `contentBlockIndex`). Both wire formats number a message's blocks 0, 1, 2… in the order they
 * start, so a block index is never more than one past the highest seen. Anything else — negative,
 * fractional, or a jump such as 4294967294 — is a broken upstream: a `protocol` error (a failover
 * before the stream commits, `STREAM_INTERRUPTED` after), the same bound the OpenAI path puts on its
 * tool-call indexes. The maps the adapters key by block index stay as small as the events that
 * filled them.
 */
export class BlockIndexes {
  private next = 0;

  constructor(
    private readonly ctx: AnyCallContext,
    /** The field's name on the wire, for the message. */
    private readonly field: string,
  ) {}

  /** The block index of an event, checked; `fallback` when the event carries none. */
  read(value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > this.next) {
      throw protocolError(
        this.ctx,
        `${this.field} ${String(value)} is out of order (blocks are numbered from 0; the next is ${this.next})`,
      );
    }
    if (value === this.next) this.next++;
    return value;
  }
}

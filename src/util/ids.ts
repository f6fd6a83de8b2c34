import { randomFillSync } from 'node:crypto';

/** Fills a buffer with random bytes (`crypto.randomFillSync`; a test may pass its own). */
export type RandomFill = (buffer: Buffer) => unknown;

const ID_BYTES = 16;
const TEMPLATE = 'req_xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx';
/** Where each random byte's two hex digits go in `TEMPLATE`. */
const SLOTS = [4, 6, 8, 10, 13, 15, 18, 20, 23, 25, 28, 30, 32, 34, 36, 38];
/** The two ASCII hex digits of every byte value, lowercase. */
const HEX = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  const digits = b.toString(16).padStart(2, '0');
  HEX[2 * b] = digits.charCodeAt(0);
  HEX[2 * b + 1] = digits.charCodeAt(1);
}

/**
 * A source of request ids, `req_` and a random UUID (version 4, RFC 9562), from random bytes drawn
 * 256 ids at a time. The id is written into a byte buffer and read out as one flat string:
 * `` `req_${crypto.randomUUID()}` `` is a tree of some fifteen cons strings (Node joins the UUID's
 * hex pairs one by one), and the request's usage record keeps its id — for as long as the storage
 * keeps the record (memory storage: the last 10,000), so that every id was promoted to the old
 * generation as ~600 bytes of string pieces instead of one 56-byte string.
 */
export function requestIdSource(fill: RandomFill = randomFillSync): () => string {
  const pool = Buffer.allocUnsafe(ID_BYTES * 256);
  let offset = pool.length;
  const out = Buffer.from(TEMPLATE, 'latin1');
  return () => {
    if (offset === pool.length) {
      fill(pool);
      offset = 0;
    }
    for (let i = 0; i < ID_BYTES; i++) {
      let b = pool[offset + i]!;
      // The version (4) and the variant (10xx) bits.
      if (i === 6) b = (b & 0x0f) | 0x40;
      else if (i === 8) b = (b & 0x3f) | 0x80;
      const at = SLOTS[i]!;
      out[at] = HEX[2 * b]!;
      out[at + 1] = HEX[2 * b + 1]!;
    }
    offset += ID_BYTES;
    return out.toString('latin1');
  };
}

/** A request id: `req_` and a random UUID v4, unique. */
export const newRequestId: () => string = requestIdSource();

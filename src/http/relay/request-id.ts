import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
/** Random bytes for 256 ids, refilled when spent (each byte is used once). */
const pool = Buffer.allocUnsafe(ID_BYTES * 256);
let offset = pool.length;

/**
 * `req_` and 32 hex digits: 128 random bits (a UUID has 122). Taken from a pool filled 256 ids at a
 * time — `crypto.randomUUID()` with its dashes removed cost several times more on every request.
 */
export function newRequestId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `req_${hex}`;
}

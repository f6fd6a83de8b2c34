import { randomUUID } from 'node:crypto';

/** A request id: unique, sortable enough for logs. */
export function newRequestId(): string {
  return `req_${randomUUID()}`;
}

/**
 * Where the router reports internal trouble. pino-compatible: `logger.warn(fields, message)`, so a
 * pino (or bunyan, or a console-like) instance can be passed as is. Fields are structured and never
 * hold a secret or prompt text: ids, codes, counts and a short error message.
 */
export interface RouterLogger {
  error(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  debug?(fields: Record<string, unknown>, message: string): void;
}

import { createRequire } from 'node:module';

/**
 * An optional peer, loaded synchronously (both `@opentelemetry/api` and `prom-client` ship CommonJS),
 * or `undefined` when it is not installed. Resolved from this package's own location.
 */
export function loadOptional<T>(name: string): T | undefined {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

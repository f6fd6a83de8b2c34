import type postgres from 'postgres';
import { RouterError } from '../../errors/router-error.js';

/**
 * Import `postgres` only when a client must be created: it is an optional peer, and the core
 * (and `postgresStorage({ sql })`) must load without it.
 */
export async function loadPostgres(): Promise<typeof postgres> {
  try {
    const mod = (await import('postgres')) as { default?: typeof postgres };
    return mod.default ?? (mod as unknown as typeof postgres);
  } catch (cause) {
    throw new RouterError(
      'MISSING_DEPENDENCY',
      'postgresStorage({ url }) needs the `postgres` package: npm install postgres',
      {
        cause,
        details: { package: 'postgres' },
      },
    );
  }
}

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouterError } from '../../errors/router-error.js';

export interface MigrationFile {
  /** File name, e.g. `0001_catalog.sql`; the ledger key. */
  name: string;
  sql: string;
  /** sha256 of the text with line endings normalised, so a CRLF checkout does not look tampered with. */
  checksum: string;
}

const FILE_RE = /^\d{4}_[a-z0-9_]+\.sql$/;

/** Where this module lives: `__dirname` in the CJS build, `import.meta.url` in ESM (src under vitest/tsx, or dist). */
function here(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/**
 * The `migrations/` folder shipped with the package, found by walking up from this module to the
 * folder whose package.json is named `model-router`: the same code then works from `src/` (tests)
 * and from `dist/` (the published package), whatever the install layout.
 */
export function findMigrationsDir(start = here()): string {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'model-router') return join(dir, 'migrations');
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new RouterError(
        'STORAGE_ERROR',
        'Cannot find the model-router migrations folder (bundled code?); pass `migrationsDir` to migrate()',
        { details: { start } },
      );
    }
    dir = parent;
  }
}

export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** The migrations in order. Only `NNNN_name.sql` files count, so editors' backups are ignored. */
export function loadMigrations(dir = findMigrationsDir()): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FILE_RE.test(n));
  } catch (cause) {
    throw new RouterError('STORAGE_ERROR', `Cannot read migrations folder ${dir}`, { cause });
  }
  return names.sort().map((name) => {
    const sql = readFileSync(join(dir, name), 'utf8');
    return { name, sql, checksum: checksum(sql) };
  });
}

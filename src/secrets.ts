import type { ProviderKey } from './catalog/types.js';
import { RouterError } from './errors/router-error.js';

/** `env:NAME` reads `process.env.NAME`; anything else is the key itself. */
export function defaultResolveSecret(key: Readonly<ProviderKey>): string {
  const secret = key.secret;
  if (!secret.startsWith('env:')) return secret;
  const name = secret.slice(4);
  const value = process.env[name];
  if (value === undefined || value === '') {
    // Names the variable and the key, never a value.
    throw new RouterError(
      'VALIDATION',
      `Environment variable ${name} (key "${key.id}" of provider "${key.providerId}") is not set`,
      {
        details: { field: 'secret', keyId: key.id, providerId: key.providerId },
      },
    );
  }
  return value;
}

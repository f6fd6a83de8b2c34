import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RouterError } from '../../errors/router-error.js';
import { invalid } from '../../errors/validation.js';

/** 32 bytes: a `Uint8Array`/`Buffer`, 64 hex characters, or base64 (standard or URL-safe). */
export type EncryptionKey = Uint8Array | string;

const PREFIX = 'enc:v1:';
const ENV_REF = /^env:[A-Za-z_][A-Za-z0-9_]*$/;

/** `env:NAME` names a variable, not a secret: stored as is, even when an encryption key is set. */
export function isEnvReference(secret: string): boolean {
  return ENV_REF.test(secret);
}

/** Never echoes the key in an error: a mistyped key is still most of a key. */
export function parseEncryptionKey(key: unknown, field = 'encryptionKey'): Buffer {
  let bytes: Buffer | undefined;
  if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else if (typeof key === 'string') {
    const text = key.trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, 'hex');
    else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) bytes = Buffer.from(text, 'base64');
  } else {
    throw invalid(field, 'must be 32 bytes as a Uint8Array/Buffer, 64 hex characters or base64');
  }
  if (bytes?.length !== 32) {
    throw invalid(
      field,
      `must be 32 bytes (got ${bytes ? bytes.length : 'an unreadable string'}); generate one with \`openssl rand -base64 32\``,
    );
  }
  return bytes;
}

/**
 * AES-256-GCM for key secrets at rest. Each value gets a fresh 96-bit IV; the provider and key ids
 * are bound as associated data, so a ciphertext copied onto another key's row fails to decrypt.
 * Stored form: `enc:v1:<iv>:<tag>:<ciphertext>` (base64url).
 */
export interface SecretBox {
  seal(secret: string, providerId: string, keyId: string): string;
  open(stored: string, providerId: string, keyId: string): string;
}

export function secretBox(key: Buffer | undefined, allowPlaintext: boolean): SecretBox {
  return {
    seal(secret, providerId, keyId) {
      if (isEnvReference(secret)) return secret;
      if (!key) {
        if (allowPlaintext) return secret;
        throw invalid(
          'secret',
          'postgresStorage stores only `env:NAME` references without an `encryptionKey`; set `encryptionKey` (or `allowPlaintextSecrets: true`)',
        );
      }
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(`${providerId}\0${keyId}`));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return `${PREFIX}${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${body.toString('base64url')}`;
    },
    open(stored, providerId, keyId) {
      // Rows written before an encryption key was configured stay readable, so a key can be added later.
      if (!stored.startsWith(PREFIX)) return stored;
      const where = { providerId, keyId };
      if (!key) {
        throw new RouterError(
          'STORAGE_ERROR',
          `Key "${providerId}/${keyId}" is encrypted; configure \`encryptionKey\``,
          { details: where },
        );
      }
      const [iv, tag, body] = stored.slice(PREFIX.length).split(':');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
        decipher.setAAD(Buffer.from(`${providerId}\0${keyId}`));
        decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(body ?? '', 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch (cause) {
        throw new RouterError(
          'STORAGE_ERROR',
          `Cannot decrypt key "${providerId}/${keyId}": wrong \`encryptionKey\` or a tampered row`,
          {
            cause,
            details: where,
          },
        );
      }
    },
  };
}

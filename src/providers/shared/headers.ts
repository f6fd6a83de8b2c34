import type { HttpHeaders } from './transport.js';

/** Response headers as a plain object, for `ProviderError.headers` (non-enumerable there). */
export function headersToRecord(headers: HttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Header names are case-insensitive; lower-casing them lets the key's header replace a user's. */
export function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

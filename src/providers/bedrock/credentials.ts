import { invalid } from '../../errors/validation.js';
import { type CallContext, providerError } from '../shared/context.js';
import { isObject, str } from '../shared/json.js';

/** What a key's secret holds: SigV4 credentials, or a Bedrock API key sent as a bearer token. */
export type BedrockCredentials =
  | { kind: 'sigv4'; region: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { kind: 'bearer'; region: string; token: string };

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

export function checkRegion(field: string, region: string): string {
  if (!REGION.test(region))
    throw invalid(field, `expected an AWS region like "us-east-1", got ${JSON.stringify(region)}`);
  return region;
}

/**
 * A key's resolved secret. JSON `{ "accessKeyId", "secretAccessKey", "sessionToken"?, "region"? }`
 * signs with SigV4; JSON `{ "apiKey", "region"? }` or any other text is a Bedrock API key. Errors
 * name the key, never a value (JSON.parse's own message would quote the text, so it is dropped).
 */
export function readCredentials(
  ctx: CallContext,
  secret: string,
  defaultRegion: string | undefined,
): BedrockCredentials {
  const refuse = (why: string) =>
    providerError(ctx, {
      kind: 'auth',
      message: `${ctx.adapter}: the secret of key "${ctx.call.key.id}" ${why}`,
    });
  let parsed: unknown;
  if (secret.trimStart().startsWith('{')) {
    try {
      parsed = JSON.parse(secret);
    } catch {
      throw refuse('starts with "{" but is not valid JSON');
    }
    if (!isObject(parsed)) throw refuse('is not a JSON object');
  }
  const fields = isObject(parsed) ? parsed : {};
  const region = str(fields.region) ?? defaultRegion;
  if (region === undefined) throw refuse('names no region, and bedrock({ region }) is not set');
  if (!REGION.test(region)) throw refuse('names an invalid region');
  if (!isObject(parsed)) return { kind: 'bearer', region, token: secret.trim() };
  const apiKey = str(fields.apiKey);
  if (apiKey) return { kind: 'bearer', region, token: apiKey };
  const accessKeyId = str(fields.accessKeyId);
  const secretAccessKey = str(fields.secretAccessKey);
  if (!accessKeyId || !secretAccessKey) throw refuse('has neither accessKeyId + secretAccessKey nor apiKey');
  const sessionToken = str(fields.sessionToken);
  return { kind: 'sigv4', region, accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

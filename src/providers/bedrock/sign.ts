import type { BedrockCredentials } from './credentials.js';
import { loadHashNode, loadSignatureV4 } from './peers.js';

/**
 * The auth headers of one request: `Authorization: Bearer` for an API key, or a SigV4 signature
 * (service `bedrock`) over method, path, query, host, the headers given and the exact body text.
 */
export async function authHeaders(
  creds: BedrockCredentials,
  url: URL,
  headers: Record<string, string>,
  body: string,
  now: number,
): Promise<Record<string, string>> {
  if (creds.kind === 'bearer') return { ...headers, authorization: `Bearer ${creds.token}` };
  const [{ SignatureV4 }, { Hash }] = await Promise.all([loadSignatureV4(), loadHashNode()]);
  const signer = new SignatureV4({
    service: 'bedrock',
    region: creds.region,
    credentials: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    },
    sha256: Hash.bind(null, 'sha256'),
  });
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, name) => {
    query[name] = value;
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      body,
    },
    { signingDate: new Date(now) },
  );
  const out: Record<string, string> = {};
  // fetch sets Host itself from the URL, which is the host that was signed.
  for (const [name, value] of Object.entries(signed.headers))
    if (name.toLowerCase() !== 'host') out[name] = value;
  return out;
}

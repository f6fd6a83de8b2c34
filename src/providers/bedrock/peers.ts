import { RouterError } from '../../errors/router-error.js';

/*
 * The Smithy packages are optional peers: the core imports without them, and only a Bedrock call
 * that needs one loads it (signing: signature-v4 + hash-node; streams: eventstream-codec +
 * util-utf8). Missing → MISSING_DEPENDENCY naming the package.
 */

function isModuleNotFound(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; depth++, e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
    // Bundlers and module mocks say it in the message only.
    if (/cannot find (?:package|module)/i.test(e.message)) return true;
  }
  return false;
}

function once<T>(name: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined; // installing it later and retrying works
      if (!isModuleNotFound(error)) throw error;
      throw new RouterError(
        'MISSING_DEPENDENCY',
        `bedrock() needs the peer package "${name}" (npm install ${name})`,
        { cause: error, details: { package: name } },
      );
    });
    return loading;
  };
}

/*
 * Structural types of what this adapter uses, so the core's declarations never name a peer's
 * types (the peers may be absent where the package is installed).
 */
type HeaderValue = { type: string; value: unknown };
export interface SignatureV4Module {
  SignatureV4: new (init: {
    service: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    sha256: unknown;
  }) => {
    sign(
      request: {
        method: string;
        protocol: string;
        hostname: string;
        port?: number;
        path: string;
        query: Record<string, string>;
        headers: Record<string, string>;
        body: string;
      },
      options: { signingDate: Date },
    ): Promise<{ headers: Record<string, string> }>;
  };
}
export interface HashModule {
  Hash: new (algorithm: string) => unknown;
}
export interface EventStreamCodecModule {
  EventStreamCodec: new (
    toUtf8: (input: Uint8Array) => string,
    fromUtf8: (input: string) => Uint8Array,
  ) => { decode(message: Uint8Array): { headers: Record<string, HeaderValue>; body: Uint8Array } };
}
export interface Utf8Module {
  toUtf8: (input: Uint8Array) => string;
  fromUtf8: (input: string) => Uint8Array;
}

export const loadSignatureV4 = once<SignatureV4Module>(
  '@smithy/signature-v4',
  () => import('@smithy/signature-v4') as Promise<unknown> as Promise<SignatureV4Module>,
);
export const loadHashNode = once<HashModule>(
  '@smithy/hash-node',
  () => import('@smithy/hash-node') as Promise<unknown> as Promise<HashModule>,
);
export const loadEventStreamCodec = once<EventStreamCodecModule>(
  '@smithy/eventstream-codec',
  () => import('@smithy/eventstream-codec') as Promise<unknown> as Promise<EventStreamCodecModule>,
);
export const loadUtf8 = once<Utf8Module>(
  '@smithy/util-utf8',
  () => import('@smithy/util-utf8') as Promise<unknown> as Promise<Utf8Module>,
);

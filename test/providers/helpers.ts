import { readFileSync } from 'node:fs';
import { HttpResponse, type JsonBodyType } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Model, Provider } from '../../src/catalog/types.js';
import type { ProviderCall } from '../../src/providers/adapter.js';
import { headersToRecord } from '../../src/providers/shared/headers.js';
import type { ChatRequest } from '../../src/types/request.js';
import type { AdapterStreamPart } from '../../src/types/stream.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A recorded HTTP exchange: status, headers, JSON body. */
export interface Exchange {
  status: number;
  headers: Record<string, string>;
  body: JsonBodyType;
}

export function exchange(provider: string, name: string): Exchange {
  return JSON.parse(readFileSync(new URL(`${provider}/${name}.json`, FIXTURES), 'utf8')) as Exchange;
}

export function sseFixture(provider: string, name: string): string {
  return readFileSync(new URL(`${provider}/${name}.sse`, FIXTURES), 'utf8');
}

export function replay(ex: Exchange): HttpResponse<JsonBodyType> {
  return HttpResponse.json(ex.body, { status: ex.status, headers: ex.headers });
}

/**
 * An event-stream response from fixture text, cut into small byte chunks so that events, lines
 * and multi-byte characters straddle chunk boundaries. `stall` keeps the body open afterwards.
 */
export function sseResponse(
  text: string,
  options: { chunkBytes?: number; headers?: Record<string, string>; stall?: boolean; status?: number } = {},
): HttpResponse<null> {
  const bytes = new TextEncoder().encode(text);
  const size = options.chunkBytes ?? 37;
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        if (options.stall) return new Promise<void>(() => {}); // a server that goes quiet
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
  return new HttpResponse(body as unknown as null, {
    status: options.status ?? 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', ...options.headers },
  });
}

/** One msw server per test file, failing on any request no handler expects. */
export function useServer(): ReturnType<typeof setupServer> {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

/** What a handler saw. */
export interface Captured {
  url: string;
  headers: Record<string, string>;
  rawBody: string;
  body: Record<string, unknown>;
}

export async function capture(request: Request, into: Captured[]): Promise<void> {
  const rawBody = await request.text();
  into.push({
    url: request.url,
    headers: headersToRecord(request.headers),
    rawBody,
    body: JSON.parse(rawBody) as Record<string, unknown>,
  });
}

/**
 * A fetch that goes through msw (read at call time) and records whether the adapter cancelled
 * the response body. msw does not forward a consumer's cancel to a handler's stream, so the
 * cancel is observed on a body of our own in between.
 */
export function trackingFetch(): { fetch: typeof fetch; state: { cancelled: boolean; reason: unknown } } {
  const state = { cancelled: false, reason: undefined as unknown };
  const fetchImpl: typeof fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    if (!response.body) return response;
    const source = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const chunk = await source.read();
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel(reason) {
        state.cancelled = true;
        state.reason = reason;
        source.cancel(reason).catch(() => {});
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return { fetch: fetchImpl, state };
}

const STAMP = '2025-01-01T00:00:00.000Z';

export interface CallSpec {
  providerId: string;
  modelId: string;
  apiKey: string;
  keyId?: string;
  baseUrl?: string;
  maxOutputTokens?: number;
  request?: Partial<ChatRequest>;
  signal?: AbortSignal;
}

export function makeCall(spec: CallSpec): ProviderCall {
  const provider: Provider = {
    id: spec.providerId,
    adapter: spec.providerId,
    enabled: true,
    keys: [],
    createdAt: STAMP,
    updatedAt: STAMP,
    ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
  };
  const model: Model = {
    id: `${spec.providerId}/${spec.modelId}`,
    providerId: spec.providerId,
    modelId: spec.modelId,
    enabled: true,
    createdAt: STAMP,
    updatedAt: STAMP,
    ...(spec.maxOutputTokens ? { maxOutputTokens: spec.maxOutputTokens } : {}),
  };
  return {
    provider,
    model,
    key: { id: spec.keyId ?? 'key-1' },
    apiKey: spec.apiKey,
    request: { messages: [{ role: 'user', content: 'Hello' }], ...spec.request },
    signal: spec.signal ?? new AbortController().signal,
  };
}

export async function collect(parts: AsyncIterable<AdapterStreamPart>): Promise<AdapterStreamPart[]> {
  const out: AdapterStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

/** Collect until the stream throws; returns what came before and the error. */
export async function collectUntilError(
  parts: AsyncIterable<AdapterStreamPart>,
): Promise<{ parts: AdapterStreamPart[]; error: unknown }> {
  const out: AdapterStreamPart[] = [];
  try {
    for await (const part of parts) out.push(part);
  } catch (error) {
    return { parts: out, error };
  }
  throw new Error(`expected the stream to fail; it yielded ${out.length} parts`);
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

export function text(parts: AdapterStreamPart[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');
}

/** The byte stream of an endless single line: `data: xxxx…`, one chunk per pull, counted. */
export function endlessLine(chunkBytes: number): { body: ReadableStream<Uint8Array>; served: () => number } {
  let served = 0;
  const chunk = new TextEncoder().encode('x'.repeat(chunkBytes));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(served === 0 ? new TextEncoder().encode('data: ') : chunk);
      served++;
    },
  });
  return { body, served: () => served };
}

import type { AdapterStreamPart, ProviderAdapter, ProviderCall } from '../../src/index.js';

/**
 * An adapter that answers at once: what is left of a request's time is the router's own cost.
 * Every call builds a fresh result, as a real adapter would.
 */
export function instantAdapter(options: { streamParts?: number; name?: string } = {}): ProviderAdapter {
  const streamParts = options.streamParts ?? 16;
  return {
    name: options.name ?? 'instant',
    complete: async () => ({
      message: { role: 'assistant', content: 'ok' },
      finishReason: { unified: 'stop' },
      usage: { promptTokens: 5, completionTokens: 1, totalTokens: 6 },
    }),
    stream: async () => ({ parts: textParts(streamParts) }),
    // Small vectors: the router's own cost, not a copy of 1536 floats, is what is measured.
    embed: async (call) => ({
      embeddings: call.request.input.map(() => [0.25, -0.5, 0.75, 1]),
      usage: { promptTokens: call.request.input.length * 2, totalTokens: call.request.input.length * 2 },
    }),
  };
}

/** `n` text-deltas, then a finish with usage. */
export async function* textParts(n: number): AsyncGenerator<AdapterStreamPart> {
  for (let i = 0; i < n; i++) yield { type: 'text-delta', text: 'tok ' };
  yield {
    type: 'finish',
    finishReason: { unified: 'stop' },
    usage: { promptTokens: 5, completionTokens: n, totalTokens: 5 + n },
  };
}

const STAMP = '2025-01-01T00:00:00.000Z';

/** A `ProviderCall` for calling an adapter directly, as the router would. */
export function directCall(
  providerId: string,
  modelId: string,
  options: { baseUrl?: string; apiKey?: string; stream?: boolean } = {},
): ProviderCall {
  return {
    provider: {
      id: providerId,
      adapter: providerId,
      enabled: true,
      keys: [],
      createdAt: STAMP,
      updatedAt: STAMP,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    },
    model: {
      id: `${providerId}/${modelId}`,
      providerId,
      modelId,
      enabled: true,
      createdAt: STAMP,
      updatedAt: STAMP,
    },
    key: { id: 'k1' },
    apiKey: options.apiKey ?? 'sk-bench',
    request: { model: modelId, messages: [{ role: 'user', content: 'hello, how are you?' }] },
    signal: new AbortController().signal,
  };
}

import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { cachedToken } from '../../src/auth/cached-token.js';
import type { ProviderKey } from '../../src/catalog/types.js';
import { anthropic } from '../../src/providers/index.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import {
  type Captured,
  capture,
  collect,
  exchange,
  makeCall,
  rejection,
  replay,
  sseFixture,
  sseResponse,
  text,
  useServer,
} from './helpers.js';

const server = useServer();
const MODEL_PATH =
  'https://us-east5-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5%4020250929';

function answer(url: string, respond: () => Response): Captured[] {
  const seen: Captured[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      await capture(request, seen);
      return respond();
    }),
  );
  return seen;
}

const call = (stream = false) =>
  makeCall({
    providerId: 'vertex-claude',
    modelId: 'claude-sonnet-4-5@20250929',
    apiKey: 'ya29.vertex-token',
    request: { messages: [{ role: 'user', content: 'Hi' }], maxTokens: 64, ...(stream ? {} : {}) },
  });

describe('anthropic({ vertex }) — Claude on Vertex AI', () => {
  it('rawPredict: bearer token, anthropic_version in the body, no model field, no x-api-key', async () => {
    const seen = answer(`${MODEL_PATH}:rawPredict`, () => replay(exchange('anthropic', 'message-plain')));
    const adapter = anthropic({ vertex: { project: 'acme-prod', location: 'us-east5' } });
    const res = await adapter.complete(call());
    expect(res.message.content.length).toBeGreaterThan(0);
    const sent = seen[0]!;
    expect(sent.headers.authorization).toBe('Bearer ya29.vertex-token');
    expect(sent.headers['x-api-key']).toBeUndefined();
    expect(sent.headers['anthropic-version']).toBeUndefined();
    expect(sent.body.anthropic_version).toBe('vertex-2023-10-16');
    expect(sent.body.model).toBeUndefined();
    expect(sent.body.max_tokens).toBe(64);
  });

  it('streamRawPredict streams the Messages API events', async () => {
    answer(`${MODEL_PATH}:streamRawPredict`, () => sseResponse(sseFixture('anthropic', 'stream-text')));
    const adapter = anthropic({ vertex: { project: 'acme-prod', location: 'us-east5' } });
    const parts = await collect((await adapter.stream(call(true))).parts);
    expect(text(parts).length).toBeGreaterThan(0);
    expect(parts.at(-1)).toMatchObject({ type: 'finish' });
  });

  it('refuses a location that would change the host', () => {
    expect(() => anthropic({ vertex: { project: 'p', location: 'evil.example.com/x' } })).toThrow(
      /anthropic.vertex.location/,
    );
  });
});

describe('cachedToken()', () => {
  const key = (id: string) => ({ id, providerId: 'vertex', secret: 'unused' }) as ProviderKey;

  it('fetches once per key until shortly before expiry; concurrent calls share one fetch', async () => {
    const clock = manualClock(1_000_000);
    let fetched = 0;
    const resolve = cachedToken(
      async (k) => {
        fetched++;
        return { token: `tok-${k.id}-${fetched}`, expiresAt: clock.now() + 3_600_000 };
      },
      { clock, refreshBeforeMs: 60_000 },
    );
    const [a, b] = await Promise.all([resolve(key('k1')), resolve(key('k1'))]);
    expect([a, b, fetched]).toEqual(['tok-k1-1', 'tok-k1-1', 1]);
    expect(await resolve(key('k2'))).toBe('tok-k2-2');
    clock.advance(3_600_000 - 60_001);
    expect(await resolve(key('k1'))).toBe('tok-k1-1');
    clock.advance(2);
    expect(await resolve(key('k1'))).toBe('tok-k1-3');
  });

  it('does not cache a failure, and refuses a token without expiry', async () => {
    let calls = 0;
    const resolve = cachedToken(async () => {
      calls++;
      if (calls === 1) throw new Error('metadata server down');
      if (calls === 2) return { token: '', expiresAt: 0 };
      return { token: 'ok', expiresAt: Date.now() + 3_600_000 };
    });
    expect(await rejection(resolve(key('k')))).toMatchObject({ message: 'metadata server down' });
    expect(await rejection(resolve(key('k')))).toMatchObject({ code: 'VALIDATION' });
    expect(await resolve(key('k'))).toBe('ok');
  });
});

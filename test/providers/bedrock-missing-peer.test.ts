import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { bedrock } from '../../src/providers/index.js';
import { makeCall, rejection, useServer } from './helpers.js';

// The Smithy peers are made unresolvable for this file only.
vi.mock('@smithy/signature-v4', () => {
  throw new Error("Cannot find package '@smithy/signature-v4'");
});
vi.mock('@smithy/eventstream-codec', () => {
  throw new Error("Cannot find package '@smithy/eventstream-codec'");
});

const server = useServer();
const MODEL = 'amazon.nova-lite-v1:0';
const call = (apiKey: string) => makeCall({ providerId: 'bedrock', modelId: MODEL, apiKey });

describe('bedrock() without its optional peers', () => {
  it('loads; a SigV4 call and any stream fail with MISSING_DEPENDENCY naming the package, before any request', async () => {
    const seen: string[] = [];
    server.use(
      http.post('https://bedrock-runtime.us-east-1.amazonaws.com/*', ({ request }) => {
        seen.push(request.url);
        return HttpResponse.json({
          output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
          stopReason: 'end_turn',
        });
      }),
    );
    const adapter = bedrock({ region: 'us-east-1' });
    const creds = JSON.stringify({ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test' });
    const signing = await rejection(adapter.complete(call(creds)));
    expect(signing).toMatchObject({
      code: 'MISSING_DEPENDENCY',
      details: { package: '@smithy/signature-v4' },
    });
    expect((signing as Error).message).toContain('npm install @smithy/signature-v4');
    const streaming = await rejection(adapter.stream(call('ABSK-bearer')));
    expect(streaming).toMatchObject({
      code: 'MISSING_DEPENDENCY',
      details: { package: '@smithy/eventstream-codec' },
    });
    expect(seen).toHaveLength(0);
    // A bearer key needs no signing: complete() works without the peers.
    const res = await adapter.complete(call('ABSK-bearer'));
    expect(res.message.content).toBe('ok');
  });
});

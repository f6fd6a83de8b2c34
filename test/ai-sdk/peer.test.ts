import { RouterError } from 'model-router';
import { describe, expect, it } from 'vitest';
import { importPeer, loadAiSdkProvider } from '../../src/ai-sdk/peer.js';
import { kindForStatus, retryAfterMs } from '../../src/ai-sdk/to-provider-error.js';

describe('the @ai-sdk/provider peer', () => {
  it('loads when installed', async () => {
    const peer = await loadAiSdkProvider();
    expect(typeof peer.APICallError.isInstance).toBe('function');
  });

  it.each(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'])(
    'missing (%s) → MISSING_DEPENDENCY naming it',
    async (code) => {
      const missing = Object.assign(new Error("Cannot find package '@ai-sdk/provider'"), { code });
      const error = await importPeer(() => Promise.reject(missing)).catch((e: unknown) => e);
      expect(RouterError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'MISSING_DEPENDENCY', details: { package: '@ai-sdk/provider' } });
      expect((error as Error).message).toContain('npm install @ai-sdk/provider');
      expect((error as Error).cause).toBe(missing);
    },
  );

  it('other load failures pass through', async () => {
    const boom = new SyntaxError('bad module');
    await expect(importPeer(() => Promise.reject(boom))).rejects.toBe(boom);
  });
});

describe('status and retry-after mapping', () => {
  it('maps statuses to kinds', () => {
    expect(kindForStatus(429, '')).toBe('rate_limited');
    expect(kindForStatus(408, '')).toBe('timeout');
    expect(kindForStatus(504, '')).toBe('timeout');
    expect(kindForStatus(422, 'prompt is too long: 210000 tokens > 200000 maximum')).toBe('context_length');
    expect(kindForStatus(413, 'Request too large')).toBe('bad_request');
  });

  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '9' }, now)).toBe(1500);
    expect(retryAfterMs({ 'Retry-After': '3' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }, now)).toBe(10_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

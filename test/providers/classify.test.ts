import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/providers/shared/classify.js';
import { extractErrorInfo, redact } from '../../src/providers/shared/error-body.js';

const kind = (status: number | undefined, body: unknown) => classifyError(status, extractErrorInfo(body));

describe('extractErrorInfo', () => {
  it('reads each provider’s error shape', () => {
    expect(
      extractErrorInfo({
        error: { message: 'm', type: 'invalid_request_error', code: 'context_length_exceeded' },
      }),
    ).toEqual({
      message: 'm',
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
    });
    expect(
      extractErrorInfo({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    ).toEqual({
      message: 'Overloaded',
      type: 'overloaded_error',
    });
    expect(extractErrorInfo({ error: { code: 402, message: 'Insufficient credits' } })).toEqual({
      message: 'Insufficient credits',
      statusHint: 402,
    });
    expect(
      extractErrorInfo({ object: 'error', message: 'too long', type: 'BadRequestError', code: 400 }),
    ).toEqual({
      message: 'too long',
      type: 'BadRequestError',
      statusHint: 400,
    });
    expect(extractErrorInfo({ error: 'model not found' })).toEqual({ message: 'model not found' });
    expect(extractErrorInfo({ detail: [{ loc: ['body', 'x'], msg: 'bad' }] }).message).toContain('bad');
    expect(extractErrorInfo('upstream timeout')).toEqual({ message: 'upstream timeout' });
    expect(extractErrorInfo(null)).toEqual({});
  });
});

describe('classifyError', () => {
  it.each([
    [
      429,
      { error: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached' } },
      'rate_limited',
    ],
    [429, { error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'quota' } }, 'auth'],
    [402, { error: { code: 402, message: 'Insufficient credits' } }, 'auth'],
    [529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'overloaded'],
    [503, 'Service Unavailable', 'overloaded'],
    [401, {}, 'auth'],
    [403, { type: 'error', error: { type: 'permission_error', message: 'no' } }, 'auth'],
    [403, { error: { code: 403, message: 'Your input was flagged by moderation' } }, 'content_filter'],
    [400, { error: { code: 'context_length_exceeded', message: 'x' } }, 'context_length'],
    [
      400,
      { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 1 > 0' } },
      'context_length',
    ],
    [
      400,
      { object: 'error', message: "This model's maximum context length is 4096 tokens", code: 400 },
      'context_length',
    ],
    [
      413,
      {
        type: 'error',
        error: { type: 'request_too_large', message: 'Request exceeds the maximum allowed size' },
      },
      'bad_request',
    ],
    [
      422,
      { detail: 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4097' },
      'context_length',
    ],
    [400, { error: { code: 'content_filter', message: 'filtered' } }, 'content_filter'],
    [400, { error: { code: 'content_policy_violation', message: 'x' } }, 'content_filter'],
    [400, { error: { type: 'invalid_request_error', message: 'Unknown parameter' } }, 'bad_request'],
    [404, {}, 'not_found'],
    [408, {}, 'timeout'],
    [500, {}, 'server'],
    [502, '<html>', 'server'],
    [418, {}, 'bad_request'],
  ] as const)('HTTP %i %j → %s', (status, body, expected) => {
    expect(kind(status, body)).toBe(expected);
  });

  it.each([
    [{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'overloaded'],
    [{ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }, 'rate_limited'],
    [{ type: 'error', error: { type: 'api_error', message: 'Internal server error' } }, 'server'],
    [{ type: 'error', error: { type: 'authentication_error', message: 'bad key' } }, 'auth'],
    [{ error: { message: 'The server had an error', type: 'server_error' } }, 'server'],
    [{ error: { code: 'server_error', message: 'Provider disconnected unexpectedly' } }, 'server'],
    [{ error: { code: 429, message: 'Rate limited upstream' } }, 'rate_limited'],
    [{ error: { message: 'something odd' } }, 'server'],
  ] as const)('error event %j → %s', (body, expected) => {
    expect(kind(undefined, body)).toBe(expected);
  });
});

describe('redact', () => {
  it('removes the key, masked keys, and caps the length', () => {
    expect(redact('bad key test-openai-key here', 'test-openai-key')).toBe('bad key [redacted] here');
    expect(redact('Incorrect API key provided: sk-abc***********wxyz. You can', 'k')).toBe(
      'Incorrect API key provided: [redacted] You can',
    );
    expect(redact('x'.repeat(2000), 'secret').length).toBeLessThan(600);
  });
});

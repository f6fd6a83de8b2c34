import { describe, expect, it } from 'vitest';
import {
  parseDurationMs,
  parseRateLimitHeaders,
  parseResetMs,
  parseRetryAfterMs,
  retryAfterFromRateLimit,
} from '../../src/providers/shared/rate-limit-headers.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('parseDurationMs', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['120ms', 120],
    ['2m59.56s', 179_560],
    ['1h2m3s', 3_723_000],
    ['0.5s', 500],
    ['500us', 1],
    ['7', 7000],
    ['0', 0],
  ])('%s → %i ms', (value, ms) => {
    expect(parseDurationMs(value)).toBe(ms);
  });

  it.each(['', 'soon', '1x', 's1', '1s garbage', '--1s'])('%j → undefined', (value) => {
    expect(parseDurationMs(value)).toBeUndefined();
  });

  it('reads exactly what the regular expressions it replaced read, to the same value', () => {
    const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
    const GO_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
    const UNIT_MS: Record<string, number> = {
      h: 3_600_000,
      m: 60_000,
      s: 1000,
      ms: 1,
      us: 1e-3,
      µs: 1e-3,
      ns: 1e-6,
    };
    const reference = (value: string): number | undefined => {
      const text = value.trim();
      if (/^-?\d+(?:\.\d+)?$/.test(text)) return Math.max(0, Math.round(Number(text) * 1000));
      if (!GO_DURATION.test(text)) return undefined;
      let total = 0;
      for (const m of text.matchAll(GO_PART)) total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
      return Math.max(0, Math.round(total));
    };
    // Every string of up to 5 of these characters (μ is Greek mu, not the micro sign Go writes).
    const alphabet = ['0', '7', '.', 'h', 'm', 's', 'u', 'µ', 'μ', 'n', ' ', '-'];
    let strings = [''];
    let checked = 0;
    for (let length = 0; length <= 5; length++) {
      for (const text of strings) {
        expect(parseDurationMs(text), JSON.stringify(text)).toBe(reference(text));
        checked++;
      }
      strings = strings.flatMap((text) => alphabet.map((c) => text + c));
    }
    for (const text of [
      '2m59.56s',
      '1h2m3.5s4ms5us6µs7ns',
      '0.000001ns',
      '99999999999h',
      '1.s',
      '.5s',
      '1ms1',
    ])
      expect(parseDurationMs(text), text).toBe(reference(text));
    expect(checked).toBe(271_453);
  });
});

describe('parseResetMs', () => {
  it('reads RFC 3339 timestamps relative to now, clamping the past to 0', () => {
    expect(parseResetMs('2025-01-01T00:00:30Z', NOW)).toBe(30_000);
    expect(parseResetMs('2025-01-01T00:00:00.250+00:00', NOW)).toBe(250);
    expect(parseResetMs('2024-12-31T23:59:00Z', NOW)).toBe(0);
  });

  it('reads durations, seconds and epoch seconds', () => {
    expect(parseResetMs('1.5s', NOW)).toBe(1500);
    expect(parseResetMs('12', NOW)).toBe(12_000);
    expect(parseResetMs(String(NOW / 1000 + 20), NOW)).toBe(20_000);
  });

  it('ignores what it cannot read (and what Date.parse would accept by accident)', () => {
    expect(parseResetMs('tomorrow', NOW)).toBeUndefined();
    expect(parseResetMs('1 2', NOW)).toBeUndefined();
  });
});

describe('parseRetryAfterMs', () => {
  const h = (init: Record<string, string>) => new Headers(init);

  it('prefers retry-after-ms, then retry-after in seconds or as an HTTP date', () => {
    expect(parseRetryAfterMs(h({ 'retry-after-ms': '250', 'retry-after': '3' }), NOW)).toBe(250);
    expect(parseRetryAfterMs(h({ 'retry-after': '3' }), NOW)).toBe(3000);
    expect(parseRetryAfterMs(h({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), NOW)).toBe(10_000);
  });

  it('ignores garbage and clamps negatives and past dates to 0', () => {
    expect(parseRetryAfterMs(h({ 'retry-after': 'later' }), NOW)).toBeUndefined();
    expect(parseRetryAfterMs(h({ 'retry-after-ms': 'x', 'retry-after': '2' }), NOW)).toBe(2000);
    expect(parseRetryAfterMs(h({ 'retry-after': '-5' }), NOW)).toBe(0);
    expect(parseRetryAfterMs(h({ 'retry-after-ms': '-5' }), NOW)).toBe(0);
    expect(parseRetryAfterMs(h({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }), NOW)).toBe(0);
    expect(parseRetryAfterMs(h({}), NOW)).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  it('reads OpenAI x-ratelimit-* headers', () => {
    const info = parseRateLimitHeaders(
      new Headers({
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-limit-tokens': '150000',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-reset-tokens': '6m0s',
      }),
      NOW,
    );
    expect(info).toEqual({
      limitRequests: 60,
      remainingRequests: 0,
      resetRequestsMs: 1000,
      limitTokens: 150000,
      remainingTokens: 149984,
      resetTokensMs: 360_000,
    });
  });

  it('reads the unsuffixed x-ratelimit-* trio (Together, gateways) as requests', () => {
    const info = parseRateLimitHeaders(
      new Headers({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '4', 'x-ratelimit-reset': '2' }),
      NOW,
    );
    expect(info).toEqual({ limitRequests: 10, remainingRequests: 4, resetRequestsMs: 2000 });
  });

  it('reads anthropic-ratelimit-* headers with RFC 3339 resets', () => {
    const info = parseRateLimitHeaders(
      new Headers({
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-requests-reset': '2025-01-01T00:00:02Z',
        'anthropic-ratelimit-tokens-limit': '1000',
        'anthropic-ratelimit-tokens-remaining': '900',
        'anthropic-ratelimit-tokens-reset': '2025-01-01T00:00:05Z',
        'retry-after': '4',
      }),
      NOW,
    );
    expect(info).toEqual({
      limitRequests: 50,
      remainingRequests: 49,
      resetRequestsMs: 2000,
      limitTokens: 1000,
      remainingTokens: 900,
      resetTokensMs: 5000,
      retryAfterMs: 4000,
    });
  });

  it('skips unreadable values and returns undefined when nothing is readable', () => {
    expect(
      parseRateLimitHeaders(new Headers({ 'x-ratelimit-remaining-requests': 'many' }), NOW),
    ).toBeUndefined();
    expect(parseRateLimitHeaders(new Headers({ 'content-type': 'application/json' }), NOW)).toBeUndefined();
    expect(
      parseRateLimitHeaders(
        new Headers({ 'x-ratelimit-remaining-tokens': '5', 'x-ratelimit-reset-tokens': '??' }),
        NOW,
      ),
    ).toEqual({ remainingTokens: 5 });
  });
});

describe('retryAfterFromRateLimit', () => {
  it('uses retry-after, else the latest reset among spent windows', () => {
    expect(retryAfterFromRateLimit({ retryAfterMs: 5, remainingRequests: 0, resetRequestsMs: 100 })).toBe(5);
    expect(
      retryAfterFromRateLimit({
        remainingRequests: 0,
        resetRequestsMs: 100,
        remainingTokens: 0,
        resetTokensMs: 900,
      }),
    ).toBe(900);
    expect(retryAfterFromRateLimit({ remainingRequests: 3, resetRequestsMs: 100 })).toBeUndefined();
    expect(retryAfterFromRateLimit(undefined)).toBeUndefined();
  });
});

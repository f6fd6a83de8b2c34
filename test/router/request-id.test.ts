import { describe, expect, it } from 'vitest';
import { requestIdSource } from '../../src/util/ids.js';
import { hi, setup } from './helpers.js';

const UUID_V4_ID = /^req_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('are req_ and a UUID v4: the version and variant bits set whatever the random bytes', () => {
    expect(requestIdSource((b) => b.fill(0))()).toBe('req_00000000-0000-4000-8000-000000000000');
    expect(requestIdSource((b) => b.fill(0xff))()).toBe('req_ffffffff-ffff-4fff-bfff-ffffffffffff');
    const counting = requestIdSource((b) => {
      for (let i = 0; i < b.length; i++) b[i] = i & 0xff;
    });
    expect(counting()).toBe('req_00010203-0405-4607-8809-0a0b0c0d0e0f');
    expect(counting()).toBe('req_10111213-1415-4617-9819-1a1b1c1d1e1f');
  });

  it('use each random byte once, refilling the pool when it is spent', () => {
    let fills = 0;
    const next = requestIdSource((b) => {
      fills++;
      b.fill(fills);
    });
    const ids = Array.from({ length: 513 }, next);
    expect(fills).toBe(3); // 256 ids per fill
    expect(ids[255]).toBe('req_01010101-0101-4101-8101-010101010101');
    expect(ids[256]).toBe('req_02020202-0202-4202-8202-020202020202');
    expect(ids[512]).toBe('req_03030303-0303-4303-8303-030303030303');
  });

  it('are unique and well-formed from the default source, on every result', async () => {
    const { router } = setup();
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const res = await router.complete({ model: 'coding', messages: hi });
      expect(res.requestId).toMatch(UUID_V4_ID);
      seen.add(res.requestId);
    }
    expect(seen.size).toBe(600);
  });
});

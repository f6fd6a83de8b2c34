import { describe, expect, it } from 'vitest';
import { secretPreview } from '../../src/admin/secret-preview.js';

describe('secretPreview', () => {
  it.each([
    ['sk-proj-abcdefghijklmnopabcd', 'sk-…abcd'],
    ['0123456789abcdef', '012…cdef'],
    ['short-key-1234', '…1234'],
    ['abcdefgh', '…efgh'],
    ['abc', '…'],
    ['env:OPENAI_KEY', 'env:OPENAI_KEY'],
    ['env:not a name!', '…ame!'],
  ])('%s → %s', (secret, preview) => {
    expect(secretPreview(secret)).toBe(preview);
  });
});

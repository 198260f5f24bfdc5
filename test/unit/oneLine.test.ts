import { describe, expect, it } from 'vitest';
import { oneLine } from '../../shared/text/oneLine.js';

describe('oneLine', () => {
  it('turns control characters into one space and drops invisible format characters', () => {
    expect(oneLine('a\r\n\tb\u0000c\u2028d')).toBe('a b c d');
    expect(oneLine('admin\u202egnp.exe\u200b')).toBe('admingnp.exe');
  });
});

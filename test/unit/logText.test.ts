import { describe, expect, it } from 'vitest';
import { quote } from '../../shared/text/logText.js';

describe('quote', () => {
  it('keeps a value from outside on one line: newlines, controls and line separators are escaped', () => {
    expect(quote('evt-1\r\nINFO forged line\u2028more')).toBe('"evt-1\\r\\nINFO forged line\\u2028more"');
  });

  it('spells out bidi and zero-width characters instead of letting them reorder the line', () => {
    expect(quote('admin\u202egnp.exe\u200b')).toBe('"admin\\u202egnp.exe\\u200b"');
  });

  it('cuts a long value and says how long it was', () => {
    const quoted = quote('x'.repeat(900_000), 100);
    expect(quoted).toBe(`"${'x'.repeat(100)}… (900000 characters)"`);
  });
});

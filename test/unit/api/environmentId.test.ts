import { describe, expect, it } from 'vitest';
import { parseEnvironmentId } from '../../../shared/adapters/web/environmentId.js';

describe('parseEnvironmentId', () => {
  it('lowercases a GUID, as the stores key environments', () => {
    expect(parseEnvironmentId('0A1B2C3D-0000-4000-8000-00000000ABCD')).toBe('0a1b2c3d-0000-4000-8000-00000000abcd');
    expect(parseEnvironmentId(' 0a1b2c3d-0000-4000-8000-00000000abcd ')).toBe('0a1b2c3d-0000-4000-8000-00000000abcd');
  });

  it('rejects anything else', () => {
    for (const raw of [
      undefined,
      '',
      'sales',
      '0a1b2c3d00004000800000000000abcd',
      '{0a1b2c3d-0000-4000-8000-00000000abcd}',
      "x' or RowKey gt '",
    ]) {
      expect(parseEnvironmentId(raw)).toBeNull();
    }
  });
});

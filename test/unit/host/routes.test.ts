import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../../sandbox/host/routes.js';

describe('matchRoute', () => {
  it('matches an optional segment present or absent, as the Functions host does', () => {
    expect(matchRoute('dashboard/{page?}', 'dashboard')).toEqual({});
    expect(matchRoute('dashboard/{page?}', 'Dashboard/what-if')).toEqual({ page: 'what-if' });
    expect(matchRoute('dashboard/{page?}', 'dashboard/what-if/more')).toBeNull();
    expect(matchRoute('dashboard/{page?}', 'what-if')).toBeNull();
    expect(matchRoute('environments/{id}', 'environments')).toBeNull();
  });
});

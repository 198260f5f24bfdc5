import { describe, expect, it } from 'vitest';
import { dashboardQueryParams, decodeDashboardQuery } from '../../../shared/adapters/web/dashboardQuery.js';

const decode = (query: string) => decodeDashboardQuery(new URLSearchParams(query));

describe('decodeDashboardQuery', () => {
  it('reads the status, policy, vault and text filters and the page; an empty field is no filter', () => {
    expect(decode('status=outage&policy=cmk-eu&vault=%20kv-eu%20&q=Payroll&page=3&code=secret')).toEqual({
      filters: { status: 'outage', policy: 'cmk-eu', vault: 'kv-eu', text: 'Payroll' },
      page: 3,
      notes: [],
    });
    expect(decode('status=&policy=&vault=&q=')).toEqual({
      filters: { status: null, policy: null, vault: null, text: null },
      page: 1,
      notes: [],
    });
  });

  it('ignores what it cannot use, with a note saying so, and never echoes it', () => {
    const huge = 'x'.repeat(201);
    const decoded = decode(`status=<b>bogus</b>&page=-1&q=${huge}&vault=${huge}&policy=ok`);
    expect(decoded.filters).toEqual({ status: null, policy: 'ok', vault: null, text: null });
    expect(decoded.page).toBe(1);
    expect(decoded.notes).toEqual([
      'The status filter must be one of healthy, warning, critical, outage, unknown: ignored.',
      'The page must be a whole number from 1: showing page 1.',
      'The vault filter is longer than 200 characters: ignored.',
      'The text filter is longer than 200 characters: ignored.',
    ]);
    for (const page of ['0', '1.5', '1e3', '9999999', 'two'])
      expect([page, decode(`page=${page}`).page, decode(`page=${page}`).notes.length]).toEqual([page, 1, 1]);
    expect(decode(`q=${'y'.repeat(200)}`).filters.text).toHaveLength(200);
  });

  it('writes back the query it reads, leaving out page 1 and the filters not set', () => {
    const filters = { status: 'critical' as const, policy: null, vault: 'kv "eu" & co', text: 'a b' };
    expect(dashboardQueryParams(filters, 2).toString()).toBe('status=critical&vault=kv+%22eu%22+%26+co&q=a+b&page=2');
    expect(decode(dashboardQueryParams(filters, 2).toString())).toEqual({ filters, page: 2, notes: [] });
    expect(dashboardQueryParams({ status: null, policy: null, vault: null, text: null }).toString()).toBe('');
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EnvironmentPrediction, WhatIfAnswer } from '../../../shared/application/whatIf.js';
import { decodeWhatIfQuery } from '../../../shared/adapters/web/whatIfQuery.js';
import { renderWhatIfPage, whatIfCsp } from '../../../shared/adapters/web/whatIfPage.js';

const hostile = '<script>alert(1)</script>';
const links = { dashboardPath: '/api/dashboard', code: 'k"1' };
const query = (text: string) => decodeWhatIfQuery(new URLSearchParams(text));
const principal = '33333333-3333-4333-8333-333333333333';

describe('decodeWhatIfQuery', () => {
  it('takes the four usual actions, with the function key beside them', () => {
    expect(query('action=disableKeyVersion&vault=kv&key=k&version=v1&code=secret')).toEqual({
      ok: true,
      change: { action: 'disableKeyVersion', vault: 'kv', key: 'k', version: 'v1' },
    });
    expect(query('action=deleteKey&vault=kv&key=k')).toEqual({
      ok: true,
      change: { action: 'deleteKey', vault: 'kv', key: 'k' },
    });
    expect(query(`action=removeRoleAssignment&principalId=${principal.toUpperCase()}&scope=/subscriptions/s`)).toEqual({
      ok: true,
      change: { action: 'removeRoleAssignment', principalId: principal, scope: '/subscriptions/s' },
    });
    expect(query('action=setVaultNetwork&vault=kv&publicNetworkAccess=Disabled')).toEqual({
      ok: true,
      change: { action: 'setVaultNetwork', vault: 'kv', publicNetworkAccess: 'Disabled' },
    });
  });

  it.each([
    ['no action', 'vault=kv', /^action: expected one of disableKeyVersion, deleteKey/],
    ['an action the page does not ask', 'action=deleteVault&vault=kv', /^action: /],
    ['another field', 'action=deleteKey&vault=kv&key=k&version=1', /^version: not a field of deleteKey/],
    ['a field twice', 'action=deleteKey&vault=kv&vault=kv2&key=k', /^vault: given more than once/],
    ['a missing field', 'action=deleteKey&vault=kv', /^key: /],
    [
      'public access other than Disabled',
      'action=setVaultNetwork&vault=kv&publicNetworkAccess=Enabled',
      /^publicNetworkAccess: /,
    ],
    [
      'a principal that is not a GUID',
      'action=removeRoleAssignment&principalId=bob&scope=/s',
      /^principalId: expected a GUID/,
    ],
  ])('refuses %s, naming the field', (_case, text, message) => {
    const decoded = query(text);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.message).toMatch(message);
  });
});

const status = (value: EnvironmentPrediction['now']['status'], deletionAt: string | null = null) => ({
  status: value,
  findings: [],
  outageAt: null,
  deletionAt,
});
const prediction: EnvironmentPrediction = {
  environmentId: 'e1',
  displayName: hostile,
  sku: 'Production',
  policyName: 'cmk-<eu>',
  vault: 'kv',
  key: 'k',
  now: status('healthy'),
  after: status('outage', '2026-12-01T10:00:00.000Z'),
  added: [{ rule: 'key-disabled', severity: 'outage', message: 'm', dueAt: null }],
  removed: [],
};
const answer = (overrides: Partial<WhatIfAnswer> = {}): WhatIfAnswer => ({
  picture: { scannedAt: '2026-11-22T11:30:00.000Z', oldestChainReadAt: null, stale: false, staleReason: null },
  changes: [{ action: 'disableKeyVersion', touched: true }],
  environments: [prediction],
  summary: '1 production environment down at once, deleted on 2026-12-01 unless restored.',
  ...overrides,
});
const change = { action: 'disableKeyVersion', vault: 'kv', key: 'k<', version: 'v1' } as const;

describe('renderWhatIfPage', () => {
  it('asks the question in words and shows an outage as unsafe, every value escaped', () => {
    const page = renderWhatIfPage(change, { ok: true, answer: answer() }, links);
    expect(page).toContain('<h1>What if version v1 of key k&lt; in vault kv is disabled?</h1>');
    expect(page).toContain('class="verdict verdict-unsafe"');
    expect(page).toContain('1 production environment down at once');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('cmk-&lt;eu&gt;');
    expect(page).toContain(
      '<span class="badge bg-healthy">healthy</span> → <span class="badge bg-outage">outage</span>',
    );
    expect(page).toContain('<code>+key-disabled</code>');
    expect(page).toContain('2026-12-01');
    expect(page).toContain('href="/api/dashboard?code=k%221"');
    expect(page).not.toContain(hostile);
    expect(page).not.toContain('id="stale"');
  });

  it('shows a safe answer as plainly as an unsafe one, and a change of findings only as caution', () => {
    const safe = renderWhatIfPage(
      change,
      {
        ok: true,
        answer: answer({ environments: [], summary: "Safe: no environment's status or findings would change." }),
      },
      links,
    );
    expect(safe).toContain('class="verdict verdict-safe"');
    expect(safe).toContain('<strong>Safe</strong><p>Safe: no environment&#39;s status or findings would change.</p>');
    const findingsOnly = { ...prediction, now: status('warning'), after: status('warning') };
    expect(renderWhatIfPage(change, { ok: true, answer: answer({ environments: [findingsOnly] }) }, links)).toContain(
      'verdict-caution',
    );
  });

  it('warns when the picture is stale, saying why', () => {
    const page = renderWhatIfPage(
      change,
      {
        ok: true,
        answer: answer({
          picture: { scannedAt: null, oldestChainReadAt: null, stale: true, staleReason: 'no scan has run yet' },
        }),
      },
      links,
    );
    expect(page).toContain('scanned at never');
    expect(page).toContain('may be out of date (no scan has run yet): run a scan first');
    const unheld = answer({
      picture: {
        scannedAt: '2026-11-22T11:30:00.000Z',
        oldestChainReadAt: null,
        stale: true,
        staleReason: `1 environment was evaluated on reads the picture does not hold ${hostile}`,
      },
    });
    const escaped = renderWhatIfPage(change, { ok: true, answer: unheld }, links);
    expect(escaped).toContain('(1 environment was evaluated on reads the picture does not hold &lt;script&gt;');
    expect(escaped).not.toContain(hostile);
  });

  it('says what a prediction assumes beside its findings, escaped', () => {
    const clearing = {
      ...prediction,
      conditions: [`key-access-failing clears only once Power Platform's next call succeeds ${hostile}`],
    };
    const page = renderWhatIfPage(change, { ok: true, answer: answer({ environments: [clearing] }) }, links);
    expect(page).toContain(
      '<br><small>key-access-failing clears only once Power Platform&#39;s next call succeeds &lt;script&gt;',
    );
    expect(page).not.toContain(hostile);
  });

  it('says why a question was refused, escaped', () => {
    const page = renderWhatIfPage(null, { ok: false, message: `vault: no vault ${hostile}` }, links);
    expect(page).toContain('The question was refused: vault: no vault &lt;script&gt;');
    expect(page).not.toContain(hostile);
  });

  it('allows exactly its own stylesheet and no script', () => {
    const page = renderWhatIfPage(change, { ok: true, answer: answer() }, links);
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    expect(whatIfCsp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(whatIfCsp).toContain("default-src 'none'");
    expect(page).not.toMatch(/<script|style="/);
  });
});

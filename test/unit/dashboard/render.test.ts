import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../../../shared/application/views/dashboard.js';
import { dashboardCsp, renderDashboard } from '../../../shared/adapters/web/dashboardPage.js';
import { scheduleIntervalMs } from '../../../shared/schedule.js';

const links = { dashboardPath: '/api/dashboard', code: null };
const render = (page: Dashboard) => renderDashboard(page, links);
const hostile = '<script>alert(1)</script>';

function dashboard(overrides: Partial<Dashboard> = {}): Dashboard {
  return {
    generatedAt: '2026-11-22T12:00:00.000Z',
    byStatus: { outage: 1, critical: 0, unknown: 0, warning: 0, healthy: 0 },
    environments: [
      {
        id: 'e1',
        displayName: hostile,
        status: 'outage',
        since: '2026-11-22T10:00:00.000Z',
        policy: 'cmk-eu',
        policyId: 'p',
        vault: 'kv"main',
        key: 'k',
        keyVersion: '1',
        outageAt: '2026-11-22T10:00:00.000Z',
        lockedSince: '2026-11-22T10:00:00.000Z',
        deletionAt: '2026-11-29T10:00:00.000Z',
        findings: [{ rule: 'key-disabled', severity: 'outage', message: "it's <b>off</b>", dueAt: null, remedy: 'Re-enable & wait' }],
      },
    ],
    keys: [{ vault: 'kv"main', key: 'k', version: '1', environments: [{ id: 'e1', displayName: hostile, status: 'outage' }] }],
    assignments: [],
    history: [{ environmentId: 'e1', displayName: hostile, at: '2026-11-22T10:00:00.000Z', from: 'healthy', to: 'outage', added: ['key-disabled'], removed: [], source: 'AuditEvent.KeyUpdate' }],
    alerts: [],
    lastScanAt: '2026-11-22T11:30:00.000Z',
    scanOverdue: false,
    scanIntervalMs: 3_600_000,
    events: null,
    waitingAlerts: { waiting: 0, oldest: null },
    lastAuditAt: null,
    degraded: [],
    ...overrides,
  };
}

describe('renderDashboard', () => {
  it('escapes every value from Azure', () => {
    const page = render(dashboard());
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<b>off</b>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('kv&quot;main');
    expect(page).toContain('it&#39;s &lt;b&gt;off&lt;/b&gt;');
    expect(page).toContain('Re-enable &amp; wait');
  });

  it('drops bidi overrides and other invisible format characters from names, as the mails do', () => {
    const disguised = 'Payroll\u202e)dorp(\u200b \u2066HR\u2069\r\nBcc';
    const named = dashboard();
    const page = render({
      ...named,
      environments: named.environments.map((environment) => ({ ...environment, displayName: disguised })),
      keys: named.keys.map((key) => ({ ...key, environments: key.environments.map((environment) => ({ ...environment, displayName: disguised })) })),
      history: named.history.map((change) => ({ ...change, displayName: disguised })),
    });
    expect(page).not.toMatch(/\p{Cf}/u);
    expect(page.split('Payroll)dorp( HR Bcc')).toHaveLength(4);
  });

  it('warns while alerts wait to be sent, naming the oldest and its last error, escaped', () => {
    expect(render(dashboard())).not.toContain('waiting-alerts');
    const waitingAlerts = { waiting: 2, oldest: { subject: 's', channel: 'email', decidedAt: '2026-11-20T08:00:00.000Z', attempts: 45, lastError: `421 ${hostile}` } };
    const page = render(dashboard({ waitingAlerts }));
    expect(page).toContain('2 alerts not sent yet, the oldest since 2026-11-20 08:00 UTC after 45 attempts through email (last error: 421 &lt;script&gt;');
    expect(page).not.toContain(hostile);
  });

  it('says when an environment down is deleted unless access is restored', () => {
    expect(render(dashboard())).toContain('down since 2026-11-22; deleted on 2026-11-29 in 7 days unless access is restored');
  });

  it('shows which vaults events reach, and none of it when not known', () => {
    const events = { covered: 7, vaults: 8, notCovered: ['kv-<x>'], unknown: [], timerOnly: [], text: 'events: 7 of 8 vaults; kv-<x> only by the scan every hour' };
    expect(render(dashboard({ events }))).toContain('events: 7 of 8 vaults; kv-&lt;x&gt; only by the scan every hour');
    expect(render(dashboard())).not.toContain('events:');
  });

  it('says when Key Vault audit records last came, warns after an hour without, and says nothing without audit logs', () => {
    expect(render(dashboard({ lastAuditAt: '2026-11-22T11:58:00.000Z' }))).toMatch(/Key Vault audit records: last batch 2026-11-22 11:58/);
    expect(render(dashboard({ lastAuditAt: '2026-11-22T09:00:00.000Z' }))).toContain('none since 2026-11-22 09:00 UTC (3.0 hours): check the vaults');
    expect(render(dashboard())).not.toContain('audit records');
  });

  it('allows exactly its own stylesheet and no script', () => {
    const page = render(dashboard());
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    expect(dashboardCsp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(dashboardCsp).toContain("default-src 'none'");
    expect(page).not.toMatch(/<script|style="/);
  });

  it('links each key to the what-if page for deleting it, disabling its version and denying its vault public access, with the request\'s key', () => {
    const page = renderDashboard(dashboard(), { dashboardPath: '/api/dashboard', code: 'k&"<1' });
    const hrefs = [...page.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map(([, href, text]) => [href, text]);
    const key = 'code=k%26%22%3C1';
    expect(hrefs).toEqual([
      [`/api/dashboard/what-if?action=deleteKey&amp;vault=kv%22main&amp;key=k&amp;${key}`, 'delete this key'],
      [`/api/dashboard/what-if?action=disableKeyVersion&amp;vault=kv%22main&amp;key=k&amp;version=1&amp;${key}`, 'disable its current version'],
      [`/api/dashboard/what-if?action=setVaultNetwork&amp;vault=kv%22main&amp;publicNetworkAccess=Disabled&amp;${key}`, 'deny public access to vault kv&quot;main'],
    ]);
    expect(render(dashboard())).not.toContain('code=');
  });

  it("lists each policy identity's role assignment, escaped, with a what-if link for removing it", () => {
    const scope = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/keys/<k>';
    const assignments = [{ policy: `cmk-${hostile}`, principalId: '11111111-2222-3333-4444-555555555555', vault: 'kv', scope, role: 'e147488a-f6f5-4113-8e2d-b22465e65bf6' }];
    const page = renderDashboard(dashboard({ assignments }), { dashboardPath: '/api/dashboard', code: 'key' });
    expect(page).not.toContain(`cmk-${hostile}`);
    expect(page).toContain('cmk-&lt;script&gt;');
    const href = [...page.matchAll(/<a href="([^"]*)">remove this assignment<\/a>/g)].map(([, found]) => found);
    expect(href).toEqual([
      `/api/dashboard/what-if?action=removeRoleAssignment&amp;principalId=11111111-2222-3333-4444-555555555555&amp;scope=${encodeURIComponent(scope).replace(/%2F/g, '%2F')}&amp;code=key`,
    ]);
    expect(render(dashboard())).not.toContain('role assignments');
  });

  it('warns when the last scan is overdue, and says when there has been none', () => {
    expect(render(dashboard())).not.toContain('class="banner"');
    expect(render(dashboard({ scanOverdue: true, lastScanAt: '2026-11-22T09:00:00.000Z' }))).toContain('The last scan ran 3.0 hours ago');
    expect(render(dashboard({ scanOverdue: true, lastScanAt: null }))).toContain('No scan has run yet');
  });
});

describe('scheduleIntervalMs', () => {
  it('reads the interval of an NCRONTAB schedule', () => {
    expect(scheduleIntervalMs('0 0 * * * *')).toBe(3_600_000);
    expect(scheduleIntervalMs('0 */5 * * * *')).toBe(300_000);
  });

  it('says above everything, escaped, that a degraded monitor cannot see part of the tenant, and why', () => {
    const page = render(dashboard({ degraded: [{ code: 'links-not-seen', reason: `ARM lists 2 encryption policies ${hostile}` }] }));
    expect(page).toMatch(/<title>CMK monitor: degraded, 1 down, 0 critical seen<\/title>/);
    expect(page.indexOf('id="degraded"')).toBeLessThan(page.indexOf('aria-label="Environments by status"'));
    expect(page).toContain('<code>links-not-seen</code> ARM lists 2 encryption policies &lt;script&gt;');
    expect(page).not.toContain(hostile);
    expect(render(dashboard())).not.toContain('id="degraded"');
  });
});

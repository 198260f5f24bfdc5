import { describe, expect, it } from 'vitest';
import { contentOf } from '../../../shared/domain/alerts/content.js';
import type { Alert } from '../../../shared/domain/alerts/model.js';
import { renderMail } from '../../../shared/adapters/mail/layout.js';
import { day, expiring, incident, now } from '../alerts/builders.js';

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'key-disabled|kv-main|pp-key|1|0',
    kind: 'opened',
    incident: incident(),
    level: 0,
    recipients: ['a@contoso.com'],
    environmentCount: 1,
    decidedAt: now.toISOString(),
    ...overrides,
  };
}

function renderAlert(alert: Alert, options: { dashboardUrl?: string; environmentCount?: number } = {}) {
  return renderMail(
    contentOf(
      { type: 'alert', ...alert, environmentCount: options.environmentCount ?? alert.environmentCount },
      options.dashboardUrl ?? null,
    ),
  );
}

const hostile = '<script>alert(1)</script>\r\nBcc: evil@attacker.example';

describe('an alert as a mail', () => {
  it('puts the severity, the environment count and the due date in the subject', () => {
    expect(renderAlert(alert({ incident: expiring(7), level: 7 })).subject).toBe(
      '[CMK critical] 1 environment, due 2026-11-29 (in 7 days): key-expiring on kv-main/pp-key',
    );
    expect(renderAlert(alert(), { environmentCount: 120 }).subject).toBe(
      '[CMK outage] 120 environments down since 2026-11-22: key-disabled on kv-main/pp-key',
    );
    expect(
      renderAlert(alert({ incident: incident({ dueAt: new Date(now.getTime() - 3 * day).toISOString() }) })).subject,
    ).toBe('[CMK outage] 1 environment down since 2026-11-19 (3 days ago): key-disabled on kv-main/pp-key');
    expect(
      renderAlert(alert({ incident: incident({ rule: 'vault-recovery-off', severity: 'critical' }) }), {
        environmentCount: 5,
      }).subject,
    ).toBe('[CMK critical] 5 environments, due 2026-11-22 (now): vault-recovery-off on kv-main/pp-key');
    expect(renderAlert(alert({ kind: 'resolved', level: null })).subject).toBe(
      '[CMK resolved] 1 environment: key-disabled on kv-main/pp-key cleared 2026-11-22',
    );
  });

  it('says when the environments of an outage are deleted, and makes it the subject of the reminders', () => {
    const deletionAt = new Date(now.getTime() + 3 * day).toISOString();
    const environments = [
      {
        environmentId: 'e1',
        displayName: hostile,
        status: 'outage' as const,
        policyId: 'p',
        policyName: 'cmk-eu',
        message: 'Key pp-key is disabled',
        deletionAt,
      },
    ];
    const down = incident({ deletionAt, environments });
    const opened = renderAlert(alert({ incident: down }));
    expect(opened.subject).toBe('[CMK outage] 1 environment down since 2026-11-22: key-disabled on kv-main/pp-key');
    expect(opened.text).toContain('Deletion: deleted on 2026-11-25 in 3 days unless access is restored');
    expect(opened.text).toContain(
      'outage: Key pp-key is disabled Environment deleted on 2026-11-25 in 3 days unless access is restored.',
    );
    expect(opened.html).toContain(
      '<td style="border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top">deleted on 2026-11-25 in 3 days unless access is restored</td>',
    );
    expect(opened.html).not.toContain('<script>');
    const reminder = renderAlert(
      alert({ kind: 'escalated', level: 3, incident: down, id: 'key-disabled|kv-main|pp-key|1|3' }),
      { environmentCount: 2 },
    );
    expect(reminder.subject).toBe(
      '[CMK outage] 2 environments deleted on 2026-11-25 in 3 days unless access is restored: key-disabled on kv-main/pp-key',
    );
    expect(reminder.text).toContain('Deletion: the first deleted on 2026-11-25');
    const resolved = renderAlert(alert({ kind: 'resolved', level: null, incident: down }));
    expect(resolved.text).not.toContain('deleted on');
  });

  it('lists every environment, the chain and what to do', () => {
    const { text, html } = renderAlert(alert({ incident: expiring(7), level: 7 }), {
      dashboardUrl: 'https://cmk.contoso.com',
    });
    expect(text).toContain('Sales (e1), policy cmk-eu, outage: Key pp-key is disabled');
    for (const line of [
      'Vault: kv-main',
      'Key: pp-key',
      'Version: 0a1b',
      'Policies: cmk-eu',
      'Due: 2026-11-29 (in 7 days)',
      'Dashboard: https://cmk.contoso.com',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toContain('What to do: Create a new key version (rotate) before the expiry date');
    expect(html).toContain(
      '<td style="border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top">Sales</td>',
    );
    expect(html).toContain('>0a1b</td>');
    expect(html).toContain('<a href="https://cmk.contoso.com">');
  });

  it('says a resolved incident cleared, without a due date or a remedy to apply', () => {
    const { text, html } = renderAlert(
      alert({ kind: 'resolved', level: null, id: 'key-disabled|kv-main|pp-key|1|resolved' }),
    );
    expect(text.split('\n')[0]).toBe('Resolved: key-disabled on kv-main/pp-key no longer affects any environment.');
    expect(text).not.toContain('Due:');
    expect(text).toContain('What to do: Nothing');
    expect(html).toContain('Resolved: key-disabled on kv-main/pp-key');
  });

  it('says how many more environments there are than it lists', () => {
    expect(renderAlert(alert(), { environmentCount: 3 }).text).toContain('… and 2 more');
  });

  it('escapes every value in the HTML and keeps control characters out of the subject and lines', () => {
    const environments = [
      {
        environmentId: 'e1',
        displayName: hostile,
        status: 'outage' as const,
        policyId: 'p',
        policyName: '"cmk" & <b>',
        message: "it's <img src=x onerror=alert(2)>",
        deletionAt: null,
      },
    ];
    const rendered = renderAlert(
      alert({ incident: incident({ environments, vault: 'kv\r\nX-Injected: 1', keyVersion: '<i>v</i>' }) }),
    );
    expect(rendered.html).not.toMatch(/<script|<img|<b>|<i>/);
    expect(rendered.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(rendered.html).toContain('&quot;cmk&quot; &amp; &lt;b&gt;');
    expect(rendered.html).toContain('it&#39;s &lt;img src=x onerror=alert(2)&gt;');
    expect(rendered.html).toContain('&lt;i&gt;v&lt;/i&gt;');
    expect(rendered.subject).not.toMatch(/[\r\n]/);
    expect(
      rendered.text.split('\n').filter((line) => line.startsWith('Bcc:') || line.startsWith('X-Injected')),
    ).toEqual([]);
  });

  it('never lets a header-injection display name or key name put a line break into the subject', () => {
    const environments = [{ ...incident().environments[0]!, displayName: 'Evil\r\nBcc: x@y' }];
    const { subject, text } = renderAlert(
      alert({ incident: incident({ environments, key: 'pp-key\r\nBcc: x@y\u0085\u2028\u0000' }) }),
    );
    expect(subject).toBe('[CMK outage] 1 environment down since 2026-11-22: key-disabled on kv-main/pp-key Bcc: x@y');
    expect(subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
    expect(text).toContain('  - Evil Bcc: x@y (e1)');
  });

  it('caps the subject', () => {
    const subject = renderAlert(alert({ incident: incident({ key: 'k'.repeat(500) }) })).subject;
    expect(subject.length).toBeLessThanOrEqual(200);
    expect(subject.startsWith('[CMK outage] 1 environment down since 2026-11-22: key-disabled on kv-main/kkk')).toBe(
      true,
    );
    expect(renderAlert(alert({ incident: incident({ key: '😀'.repeat(300) }) })).subject).not.toMatch(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/,
    );
  });
});

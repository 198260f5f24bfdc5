import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../shared/alerts/model.js';
import { renderAlert } from '../../../shared/alerts/template.js';
import { expiring, incident, now } from './builders.js';

function alert(overrides: Partial<Alert> = {}): Alert {
  return { id: 'key-disabled|kv-main|pp-key|1|0', kind: 'opened', incident: incident(), level: 0, recipients: ['a@contoso.com'], decidedAt: now.toISOString(), ...overrides };
}

const hostile = '<script>alert(1)</script>\r\nBcc: evil@attacker.example';

describe('renderAlert', () => {
  it('puts the severity, the environment count and the due date in the subject', () => {
    expect(renderAlert(alert({ incident: expiring(7), level: 7 })).subject).toBe(
      '[CMK critical] 1 environment, due 2026-11-29 (in 7 days): key-expiring on kv-main/pp-key',
    );
    expect(renderAlert(alert(), { environmentCount: 120 }).subject).toBe('[CMK outage] 120 environments down since 2026-11-22: key-disabled on kv-main/pp-key');
    expect(renderAlert(alert({ kind: 'resolved', level: null })).subject).toBe('[CMK resolved] 1 environment: key-disabled on kv-main/pp-key cleared 2026-11-22');
  });

  it('lists every environment and what to do', () => {
    const { text, html } = renderAlert(alert());
    expect(text).toContain('Sales (e1), policy cmk-eu, outage: Key pp-key is disabled');
    expect(text).toContain('What to do: In Key Vault, re-enable the current key version');
    expect(html).toContain('<td style="border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top">Sales</td>');
  });

  it('says how many more environments there are than it lists', () => {
    expect(renderAlert(alert(), { environmentCount: 3 }).text).toContain('… and 2 more');
  });

  it('escapes every value in the HTML and keeps control characters out of the subject and lines', () => {
    const environments = [{ environmentId: 'e1', displayName: hostile, status: 'outage' as const, policyId: 'p', policyName: '"cmk" & <b>', message: "it's <img src=x onerror=alert(2)>" }];
    const rendered = renderAlert(alert({ incident: incident({ environments, vault: 'kv\r\nX-Injected: 1' }) }));
    expect(rendered.html).not.toMatch(/<script|<img|<b>/);
    expect(rendered.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(rendered.html).toContain('&quot;cmk&quot; &amp; &lt;b&gt;');
    expect(rendered.html).toContain('it&#39;s &lt;img src=x onerror=alert(2)&gt;');
    expect(rendered.subject).not.toMatch(/[\r\n]/);
    expect(rendered.text.split('\n').filter((line) => line.startsWith('Bcc:') || line.startsWith('X-Injected'))).toEqual([]);
  });

  it('caps the subject', () => {
    expect(renderAlert(alert({ incident: incident({ key: 'k'.repeat(500) }) })).subject.length).toBeLessThanOrEqual(200);
  });
});

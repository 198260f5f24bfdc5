import { describe, expect, it } from 'vitest';
import { contentOf } from '../../../shared/domain/alerts/content.js';
import type { Alert, AlertKind } from '../../../shared/domain/alerts/model.js';
import type { Notice } from '../../../shared/domain/alerts/notice.js';
import { adaptiveCard, plainMarkdown } from '../../../shared/adapters/channels/teams.js';
import { cardSchemaErrors } from '../../support/adaptiveCards/schema.js';
import { day, expiring, incident, now } from '../alerts/builders.js';

const markdownName = '[click](https://evil.example) **x** _y_ `z` <at>Admin</at>';
const named = (displayName: string, i = 0) => ({
  environmentId: `e${i}`,
  displayName,
  status: 'outage' as const,
  policyId: 'p',
  policyName: 'cmk_eu',
  message: 'Key pp-key is disabled',
  deletionAt: null,
});

function alert(overrides: Partial<Alert> = {}): Extract<Notice, { type: 'alert' }> {
  return {
    type: 'alert',
    id: 'key-disabled|kv-main|pp-key|1|0',
    kind: 'opened',
    incident: incident(),
    level: 0,
    recipients: [],
    environmentCount: 1,
    decidedAt: now.toISOString(),
    ...overrides,
  };
}

/** Every kind of alert, so a kind added later fails to compile here until its card is checked too. */
const everyKind: Record<AlertKind, Partial<Alert>> = {
  opened: {
    incident: incident({ environments: [named(markdownName)], policies: [{ id: 'cmk-eu', name: '**cmk-eu**' }] }),
  },
  escalated: { kind: 'escalated', incident: expiring(3), level: 3 },
  grew: { kind: 'grew', environmentCount: 2, change: { added: [named(markdownName, 1)], removed: [], before: 1 } },
  shrank: {
    kind: 'shrank',
    change: { added: [], removed: [{ environmentId: 'e9', displayName: markdownName }], before: 2 },
  },
  resolved: { kind: 'resolved', level: null },
};

const notices: [string, Notice][] = [
  ...Object.entries(everyKind).map(([kind, overrides]): [string, Notice] => [`alert ${kind}`, alert(overrides)]),
  [
    'outage reminder before deletion',
    alert({ level: 1, incident: incident({ deletionAt: new Date(now.getTime() + day).toISOString() }) }),
  ],
  ['critical due in days', alert({ incident: expiring(7) })],
  [
    'more environments than the card lists',
    alert({
      environmentCount: 120,
      incident: incident({ environments: Array.from({ length: 50 }, (_, i) => named(`${markdownName} ${i}`, i)) }),
    }),
  ],
  [
    'digest',
    {
      type: 'digest',
      id: 'digest|2026-11-22',
      day: '2026-11-22',
      severity: 'warning',
      byStatus: { healthy: 3, warning: 1, critical: 0, outage: 1, unknown: 0 },
      incidents: [
        { severity: 'outage', rule: 'key-disabled', vault: 'kv-main', key: 'pp-key', environmentCount: 1, dueAt: null },
      ],
      more: 4,
      recipients: [],
      decidedAt: now.toISOString(),
    },
  ],
  [
    'empty digest',
    {
      type: 'digest',
      id: 'digest|2026-11-23',
      day: '2026-11-23',
      severity: 'info',
      byStatus: { healthy: 3, warning: 0, critical: 0, outage: 0, unknown: 0 },
      incidents: [],
      more: 0,
      recipients: [],
      decidedAt: now.toISOString(),
    },
  ],
  [
    'sight lost',
    {
      type: 'sight',
      id: 'sight|1',
      kind: 'opened',
      severity: 'critical',
      reasons: [`No Reader on ${markdownName}`],
      since: now.toISOString(),
      recipients: [],
      decidedAt: now.toISOString(),
    },
  ],
  [
    'sight back',
    {
      type: 'sight',
      id: 'sight|1|resolved',
      kind: 'resolved',
      severity: 'critical',
      reasons: ['No Reader'],
      since: now.toISOString(),
      recipients: [],
      decidedAt: now.toISOString(),
    },
  ],
];

describe('Teams cards', () => {
  it.each(
    notices.flatMap(([name, notice]) => [
      [`${name}, with the dashboard`, notice, 'https://cmk.contoso.com/'] as const,
      [name, notice, null] as const,
    ]),
  )('are valid against the Adaptive Card schema of the version they declare: %s', (_name, notice, dashboardUrl) => {
    expect(cardSchemaErrors(adaptiveCard(contentOf(notice, dashboardUrl)))).toEqual([]);
  });

  it('show a display name or a policy name written in Markdown as typed, not as a link or bold', () => {
    const card = adaptiveCard(contentOf(alert(everyKind.opened), null)) as {
      body: { text?: string; facts?: { title: string; value: string }[] }[];
    };
    const row = card.body.find((element) => element.text?.includes('click'));
    expect(row?.text).toBe(
      '\\[click\\](https://evil.example) \\*\\*x\\*\\* \\_y\\_ \\`z\\` \\<at\\>Admin\\</at\\> (e0), policy cmk_eu, outage: Key pp-key is disabled',
    );
    const facts = card.body.flatMap((element) => element.facts ?? []);
    expect(facts.find((fact) => fact.title === 'Policies')?.value).toBe('\\*\\*cmk-eu\\*\\*');
  });

  it('escape whatever opens Markdown, and nothing else', () => {
    expect(plainMarkdown('kv-main/pp-key 2026-11-22 (e1), R&D: 50% done!')).toBe(
      'kv-main/pp-key 2026-11-22 (e1), R&D: 50% done!',
    );
    expect(plainMarkdown('cmk_eu_policy')).toBe('cmk_eu_policy');
    expect(plainMarkdown('_x_ ~~y~~ a\\b &amp; &#42;')).toBe('\\_x\\_ \\~\\~y\\~\\~ a\\\\b \\&amp; \\&#42;');
    expect(plainMarkdown('1. first')).toBe('1\\. first');
    expect(plainMarkdown('2) second')).toBe('2\\) second');
    expect(plainMarkdown('- item')).toBe('\\- item');
    expect(plainMarkdown('# heading')).toBe('\\# heading');
    expect(plainMarkdown('+ item')).toBe('\\+ item');
  });
});

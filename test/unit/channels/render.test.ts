import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentOf } from '../../../shared/domain/alerts/content.js';
import type { Alert } from '../../../shared/domain/alerts/model.js';
import type { Notice } from '../../../shared/domain/alerts/notice.js';
import { pagerDutyEvent } from '../../../shared/adapters/channels/pagerDuty.js';
import { slackMessage } from '../../../shared/adapters/channels/slack.js';
import { adaptiveCard } from '../../../shared/adapters/channels/teams.js';
import { cloudEvent, signatureHeaders } from '../../../shared/adapters/channels/webhook.js';
import { incident, now } from '../alerts/builders.js';

const hostile = '<!channel> <script>x</script>\r\n*bold* [link](https://evil.example) R&D';
const routingKey = 'R0123456789abcdef0123456789abcde';

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

const many = incident({
  environments: Array.from({ length: 50 }, (_, i) => ({
    environmentId: `e${i}`,
    displayName: `${hostile} ${i}`,
    status: 'outage' as const,
    policyId: 'p',
    policyName: 'cmk-eu',
    message: 'x'.repeat(400),
    deletionAt: null,
  })),
});

describe('Teams', () => {
  it('posts one Adaptive Card with the title, the facts, the environments it has room for and what to do', () => {
    const card = adaptiveCard(
      contentOf(alert({ incident: many, environmentCount: 120 }), 'https://cmk.contoso.com'),
    ) as { version: string; body: { type: string; text?: string }[]; actions: object[] };
    expect(card).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.5',
      actions: [{ type: 'Action.OpenUrl', url: 'https://cmk.contoso.com' }],
    });
    const texts = card.body.flatMap((element) => (element.text ? [element.text] : []));
    expect(texts[0]).toBe('\\[CMK outage\\] 120 environments down since 2026-11-22: key-disabled on kv-main/pp-key');
    expect(texts).toContain('… and 110 more');
    expect(texts.some((text) => text.startsWith('What to do: '))).toBe(true);
    expect(texts.join('\n')).not.toMatch(/\r/);
    expect(JSON.stringify(card).length).toBeLessThan(28_000);
  });
});

describe('Slack', () => {
  it("puts Azure's values in plain text, escapes the fallback, and keeps within Block Kit's limits", () => {
    const message = slackMessage(
      contentOf(alert({ incident: { ...many, key: hostile.repeat(20) }, environmentCount: 50 }), null),
    ) as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string }; fields?: { text: string }[] }[];
    };
    expect(message.text).not.toMatch(/<|>/);
    expect(message.text).toContain('&lt;!channel&gt;');
    expect(message.text).toContain('R&amp;D');
    for (const block of message.blocks) {
      if (block.text) expect(block.text.type).toBe('plain_text');
      if (block.type === 'header') expect(block.text?.text.length).toBeLessThanOrEqual(150);
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3_000);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2_000);
    }
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });
});

describe('PagerDuty', () => {
  it('triggers with the incident id as dedup_key and its severity mapped, and resolves the same key', () => {
    expect(pagerDutyEvent(alert(), routingKey, 'https://cmk.contoso.com')).toMatchObject({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: 'key-disabled|kv-main|pp-key',
      payload: {
        summary: expect.stringContaining('key-disabled on kv-main/pp-key') as unknown,
        source: 'kv-main/pp-key',
        severity: 'critical',
        class: 'key-disabled',
        group: 'kv-main',
        component: 'pp-key',
      },
      links: [{ href: 'https://cmk.contoso.com', text: 'Open the dashboard' }],
    });
    expect(pagerDutyEvent(alert({ incident: incident({ severity: 'critical' }) }), routingKey, null)).toMatchObject({
      payload: { severity: 'error' },
    });
    expect(pagerDutyEvent(alert({ kind: 'resolved', level: null }), routingKey, null)).toEqual({
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: 'key-disabled|kv-main|pp-key',
    });
  });

  it('hashes an incident id longer than 255 characters, the same way every time', () => {
    const long = alert({ incident: incident({ id: `key-disabled|kv-main|${'k'.repeat(300)}` }) });
    const key = (pagerDutyEvent(long, routingKey, null) as { dedup_key: string }).dedup_key;
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((pagerDutyEvent({ ...long, kind: 'resolved' }, routingKey, null) as { dedup_key: string }).dedup_key).toBe(
      key,
    );
  });
});

describe('signed webhook', () => {
  it('sends a CloudEvents 1.0 event whose id is the alert id and whose type says what happened', () => {
    expect(cloudEvent(alert(), null)).toMatchObject({
      specversion: '1.0',
      id: 'key-disabled|kv-main|pp-key|1|0',
      source: '/cmk-monitor',
      type: 'cmk-monitor.alert.opened',
      subject: 'key-disabled|kv-main|pp-key',
      time: now.toISOString(),
      datacontenttype: 'application/json',
      data: { rule: 'key-disabled', severity: 'outage', vault: 'kv-main', key: 'pp-key', environmentCount: 1 },
    });
  });

  it('says which environments came and left when an open incident changes', () => {
    const sales = {
      environmentId: 'e2',
      displayName: 'Sales',
      status: 'outage' as const,
      policyId: 'p',
      policyName: 'cmk-eu',
      message: 'down',
      deletionAt: null,
    };
    const grew = alert({
      kind: 'grew',
      id: 'key-disabled|kv-main|pp-key|1|grew|0123456789abcdef',
      environmentCount: 2,
      change: { added: [sales], removed: [], before: 1 },
    });
    expect(cloudEvent(grew, null)).toMatchObject({
      type: 'cmk-monitor.alert.grew',
      data: { change: { before: 1, added: [{ environmentId: 'e2', displayName: 'Sales' }], removed: [] } },
    });
    expect(contentOf(grew, null)).toMatchObject({
      title: '[CMK outage] 1 more environment down (2 in all): key-disabled on kv-main/pp-key',
      lines: ['Now also: Sales'],
    });
    const shrank = alert({
      kind: 'shrank',
      environmentCount: 1,
      change: { added: [], removed: [{ environmentId: 'e2', displayName: null }], before: 2 },
    });
    expect(contentOf(shrank, null)).toMatchObject({
      title: '[CMK outage] 1 environment no longer down, 1 still down: key-disabled on kv-main/pp-key',
      lines: ['No longer: e2'],
    });
  });

  it('signs "id.timestamp.body" with HMAC-SHA256, as Standard Webhooks verifiers check it', () => {
    const key = Buffer.from('a-signing-secret-of-32-bytes-or-more');
    const headers = signatureHeaders(key, 'alert-1', '{"a":1}', now);
    const expected = createHmac('sha256', key)
      .update(`alert-1.${now.getTime() / 1000}.{"a":1}`)
      .digest('base64');
    expect(headers).toEqual({
      'webhook-id': 'alert-1',
      'webhook-timestamp': String(now.getTime() / 1000),
      'webhook-signature': `v1,${expected}`,
    });
  });
});

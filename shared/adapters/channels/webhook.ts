import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { contentOf } from '../../domain/alerts/content.js';
import type { Notice } from '../../domain/alerts/notice.js';
import { defineChannel } from './channel.js';
import { adviceFor, postingChannel } from './post.js';
import { minSeverity, receiverUrl, secretBytes, signingSecret } from './settings.js';

const badSignature = 'the receiver did not accept the signature: give it the same secret as WEBHOOK_SECRET';
const advise = adviceFor("the webhook's receiver", 'WEBHOOK_URL', { 401: badSignature, 403: badSignature });

/**
 * Any system's endpoint: the notice as a CloudEvents 1.0 event in structured JSON mode
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md), signed as Standard
 * Webhooks sign (https://www.standardwebhooks.com): `webhook-id` (the alert id, the same on every retry, which the
 * specification has receivers use as an idempotency key), `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 */
export const webhook = defineChannel({
  name: 'webhook',
  settings: z
    .object({ WEBHOOK_URL: receiverUrl, WEBHOOK_SECRET: signingSecret, WEBHOOK_MIN_SEVERITY: minSeverity('info') })
    .transform((s) => ({ url: s.WEBHOOK_URL, secret: s.WEBHOOK_SECRET, minSeverity: s.WEBHOOK_MIN_SEVERITY })),
  create(settings, { alerts }) {
    const key = secretBytes(settings.secret);
    const request = (notice: Notice) => {
      const body = JSON.stringify(cloudEvent(notice, alerts.dashboardUrl));
      return {
        body,
        headers: {
          'content-type': 'application/cloudevents+json; charset=utf-8',
          ...signatureHeaders(key, notice.id, body, new Date()),
        },
      };
    };
    return postingChannel('webhook', settings, request, { recognisesRepeats: true, advise });
  },
});

export function signatureHeaders(key: Buffer, id: string, body: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

export function cloudEvent(notice: Notice, dashboardUrl: string | null): object {
  const content = contentOf(notice, dashboardUrl);
  const common = {
    specversion: '1.0',
    id: notice.id,
    source: '/cmk-monitor',
    time: notice.decidedAt,
    datacontenttype: 'application/json',
  };
  if (notice.type === 'digest') {
    return {
      ...common,
      type: 'cmk-monitor.digest',
      data: {
        title: content.title,
        day: notice.day,
        byStatus: notice.byStatus,
        incidents: notice.incidents,
        more: notice.more,
      },
    };
  }
  if (notice.type === 'sight') {
    return {
      ...common,
      type: `cmk-monitor.sight.${notice.kind}`,
      data: {
        title: content.title,
        kind: notice.kind,
        since: notice.since,
        reasons: content.lines,
        whatToDo: content.remedy,
      },
    };
  }
  if (notice.type === 'test') {
    return {
      ...common,
      type: 'cmk-monitor.test',
      data: { title: content.title, channel: notice.channel, summary: content.summary },
    };
  }
  const { incident } = notice;
  return {
    ...common,
    type: `cmk-monitor.alert.${notice.kind}`,
    subject: incident.id,
    data: {
      title: content.title,
      kind: notice.kind,
      rule: incident.rule,
      severity: incident.severity,
      vault: incident.vault,
      key: incident.key,
      keyVersion: incident.keyVersion,
      dueAt: incident.dueAt,
      deletionAt: incident.deletionAt,
      policies: incident.policies,
      environmentCount: notice.environmentCount,
      environments: incident.environments.map(({ environmentId, displayName, status, message, deletionAt }) => ({
        environmentId,
        displayName,
        status,
        message,
        deletionAt,
      })),
      ...(notice.change && {
        change: {
          before: notice.change.before,
          added: notice.change.added.map(({ environmentId, displayName }) => ({ environmentId, displayName })),
          removed: notice.change.removed,
        },
      }),
      whatToDo: content.remedy,
      dashboardUrl: content.dashboardUrl,
    },
  };
}

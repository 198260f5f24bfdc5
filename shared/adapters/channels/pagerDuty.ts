import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cap, contentOf } from '../../alerts/content.js';
import type { Severity } from '../../domain/model.js';
import type { Notice } from '../../alerts/notice.js';
import { defineChannel } from './channel.js';
import { json, postingChannel } from './post.js';
import { minSeverity, receiverUrl } from './settings.js';

/** PagerDuty's own severities (https://developer.pagerduty.com/docs/send-alert-event). */
const pagerDutySeverity: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = { outage: 'critical', critical: 'error', warning: 'warning', info: 'info' };
const summaryMax = 1_024;
const dedupKeyMax = 255;
const listedEnvironments = 20;

/**
 * PagerDuty Events API v2: an incident triggers an alert whose `dedup_key` is the incident's id, so a reminder
 * (or a repeat of a trigger whose answer was lost) joins the open alert and the incident's clearing resolves it.
 * The daily digest is not a page.
 */
export const pagerDuty = defineChannel({
  name: 'pagerduty',
  settings: z
    .object({
      PAGERDUTY_ROUTING_KEY: z.string({ error: 'must be set' }).regex(/^[A-Za-z0-9]{32}$/, "must be the service integration's 32-character routing key"),
      PAGERDUTY_EVENTS_URL: receiverUrl.default('https://events.pagerduty.com/v2/enqueue'),
      PAGERDUTY_MIN_SEVERITY: minSeverity('critical'),
    })
    .transform((s) => ({ routingKey: s.PAGERDUTY_ROUTING_KEY, url: s.PAGERDUTY_EVENTS_URL, minSeverity: s.PAGERDUTY_MIN_SEVERITY })),
  create: (settings, { alerts }) =>
    postingChannel(
      'pagerduty',
      settings,
      (notice) => (notice.type === 'alert' ? json(pagerDutyEvent(notice, settings.routingKey, alerts.dashboardUrl)) : null),
      { recognisesRepeats: true, takes: (notice) => notice.type === 'alert' },
    ),
});

export function pagerDutyEvent(alert: Extract<Notice, { type: 'alert' }>, routingKey: string, dashboardUrl: string | null): object {
  const dedupKey = dedupKeyOf(alert.incident.id);
  if (alert.kind === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const content = contentOf(alert, dashboardUrl);
  const { incident } = alert;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: cap(content.title, summaryMax),
      source: `${incident.vault ?? '(no vault)'}/${incident.key ?? '(no key)'}`,
      severity: pagerDutySeverity[incident.severity],
      timestamp: alert.decidedAt,
      component: incident.key ?? undefined,
      group: incident.vault ?? undefined,
      class: incident.rule,
      custom_details: {
        ...Object.fromEntries(content.facts),
        environments: content.rows.slice(0, listedEnvironments).map((row) => `${row.name} (${row.id}): ${row.message}`),
        environmentCount: content.environmentCount,
        whatToDo: content.remedy,
        alert: alert.id,
      },
    },
    client: 'CMK monitor',
    ...(content.dashboardUrl ? { client_url: content.dashboardUrl, links: [{ href: content.dashboardUrl, text: 'Open the dashboard' }] } : {}),
  };
}

/** The incident id, or its hash when longer than PagerDuty's 255 characters. */
function dedupKeyOf(incidentId: string): string {
  return incidentId.length <= dedupKeyMax ? incidentId : `sha256:${createHash('sha256').update(incidentId).digest('hex')}`;
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cap, contentOf, type NoticeContent } from '../../domain/alerts/content.js';
import type { Severity } from '../../domain/model.js';
import type { Notice } from '../../domain/alerts/notice.js';
import { defineChannel } from './channel.js';
import { adviceFor, json, postingChannel } from './post.js';
import { minSeverity, receiverUrl } from './settings.js';

/** PagerDuty's own severities (https://developer.pagerduty.com/docs/send-alert-event). */
const pagerDutySeverity: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  outage: 'critical',
  critical: 'error',
  warning: 'warning',
  info: 'info',
};
const summaryMax = 1_024;
const dedupKeyMax = 255;
const listedEnvironments = 20;

const advise = adviceFor('PagerDuty', 'PAGERDUTY_EVENTS_URL', {
  404: 'PAGERDUTY_EVENTS_URL is not the Events API v2: set https://events.pagerduty.com/v2/enqueue (https://events.eu.pagerduty.com/v2/enqueue for an EU account)',
});

/**
 * PagerDuty Events API v2: an incident triggers an alert whose `dedup_key` is the incident's id, so a reminder
 * (or a repeat of a trigger whose answer was lost) joins the open alert and the incident's clearing resolves it.
 * The daily digest is not a page; a test of the channel triggers an alert of its own, at severity info.
 */
export const pagerDuty = defineChannel({
  name: 'pagerduty',
  settings: z
    .object({
      PAGERDUTY_ROUTING_KEY: z
        .string({ error: 'must be set' })
        .regex(/^[A-Za-z0-9]{32}$/, "must be the service integration's 32-character routing key"),
      PAGERDUTY_EVENTS_URL: receiverUrl.default('https://events.pagerduty.com/v2/enqueue'),
      PAGERDUTY_MIN_SEVERITY: minSeverity('critical'),
    })
    .transform((s) => ({
      routingKey: s.PAGERDUTY_ROUTING_KEY,
      url: s.PAGERDUTY_EVENTS_URL,
      minSeverity: s.PAGERDUTY_MIN_SEVERITY,
    })),
  create: (settings, { alerts }) =>
    postingChannel(
      'pagerduty',
      settings,
      (notice) =>
        notice.type === 'alert'
          ? json(pagerDutyEvent(notice, settings.routingKey, alerts.dashboardUrl))
          : notice.type === 'test'
            ? json(pagerDutyTestEvent(notice, settings.routingKey, alerts.dashboardUrl))
            : null,
      { recognisesRepeats: true, takes: (notice) => notice.type === 'alert', advise },
    ),
});

export function pagerDutyEvent(
  alert: Extract<Notice, { type: 'alert' }>,
  routingKey: string,
  dashboardUrl: string | null,
): object {
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
    ...clientOf(content),
  };
}

export function pagerDutyTestEvent(
  test: Extract<Notice, { type: 'test' }>,
  routingKey: string,
  dashboardUrl: string | null,
): object {
  const content = contentOf(test, dashboardUrl);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKeyOf(test.id),
    payload: {
      summary: cap(content.title, summaryMax),
      source: 'cmk-monitor',
      severity: 'info',
      timestamp: test.decidedAt,
      class: 'test',
      custom_details: { ...Object.fromEntries(content.facts), summary: content.summary, whatToDo: content.remedy },
    },
    ...clientOf(content),
  };
}

/** The monitor as the event's client, linking to its dashboard when it has one. */
function clientOf(content: NoticeContent): object {
  return {
    client: 'CMK monitor',
    ...(content.dashboardUrl
      ? { client_url: content.dashboardUrl, links: [{ href: content.dashboardUrl, text: 'Open the dashboard' }] }
      : {}),
  };
}

/** The incident id, or its hash when longer than PagerDuty's 255 characters. */
function dedupKeyOf(incidentId: string): string {
  return incidentId.length <= dedupKeyMax
    ? incidentId
    : `sha256:${createHash('sha256').update(incidentId).digest('hex')}`;
}

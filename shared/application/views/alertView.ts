import type { Delivery, OutboxAlert, OutboxPort, OutboxRecord } from '../ports/stores.js';

type ViewStatus = 'sent' | 'pending' | 'failed';

/** One channel's delivery of an alert: the host it goes to, never the URL (a webhook's URL is its secret). */
export interface DeliveryView {
  channel: string;
  target: string;
  status: ViewStatus;
  attempts: number;
  sentAt: string | null;
  lastError: string | null;
}

/**
 * An alert as `GET /api/alerts` shows it (README, "HTTP interface"), plus when it was decided and each channel's delivery.
 * `status` is the alert's as a whole: pending while a channel still waits, failed when one gave up (or none took
 * it), sent when every channel sent it; `sentAt` when the last one did.
 */
export interface AlertView extends Pick<
  OutboxAlert,
  'kind' | 'rule' | 'severity' | 'subject' | 'recipients' | 'environments' | 'environmentCount' | 'decidedAt'
> {
  id: string;
  status: ViewStatus;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
  deliveries: DeliveryView[];
}

export function alertView({ alert, deliveries }: OutboxRecord): AlertView {
  const views = deliveries.map(deliveryView).sort((a, b) => a.channel.localeCompare(b.channel));
  const sent = views.filter((view) => view.status === 'sent');
  const status: ViewStatus = views.some((view) => view.status === 'pending')
    ? 'pending'
    : views.length && sent.length === views.length
      ? 'sent'
      : 'failed';
  return {
    id: alert.alertId,
    kind: alert.kind,
    rule: alert.rule,
    severity: alert.severity,
    subject: alert.subject,
    recipients: alert.recipients,
    environments: alert.environments,
    environmentCount: alert.environmentCount,
    status,
    decidedAt: alert.decidedAt,
    sentAt:
      status === 'sent'
        ? (sent
            .map((view) => view.sentAt ?? '')
            .sort()
            .at(-1) ?? null)
        : null,
    attempts: Math.max(0, ...views.map((view) => view.attempts)),
    lastError: views.length
      ? (views.find((view) => view.lastError)?.lastError ?? null)
      : `No channel in ALERT_CHANNELS takes ${alert.severity} alerts`,
    deliveries: views,
  };
}

/** The alerts the outbox holds (its latest 100), as `GET /api/alerts` lists them. */
export async function listAlerts(stores: { alerts: Pick<OutboxPort, 'list'> }): Promise<AlertView[]> {
  return (await stores.alerts.list()).map(alertView);
}

function deliveryView(delivery: Delivery): DeliveryView {
  return {
    channel: delivery.channel,
    target: delivery.target,
    status: delivery.status === 'sending' ? 'pending' : delivery.status,
    attempts: delivery.attempts,
    sentAt: delivery.sentAt,
    lastError: delivery.lastError,
  };
}

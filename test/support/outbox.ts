import type { OutboxAlert } from '../../shared/application/ports/stores.js';

/** An outage alert for the outbox, as decideAlerts records one. */
export function outboxAlert(alertId: string, decidedAt: Date): OutboxAlert {
  const incident = {
    id: `key-disabled|kv|${alertId}`,
    rule: 'key-disabled' as const,
    severity: 'outage' as const,
    vault: 'kv',
    key: alertId,
    keyVersion: null,
    dueAt: null,
    deletionAt: null,
    policies: [],
    environments: [],
  };
  return {
    alertId,
    kind: 'opened',
    incidentId: incident.id,
    rule: incident.rule,
    severity: incident.severity,
    subject: alertId,
    recipients: ['a@contoso.com'],
    environments: [],
    environmentCount: 1,
    decidedAt: decidedAt.toISOString(),
    notice: {
      type: 'alert',
      id: alertId,
      kind: 'opened',
      incident,
      level: 0,
      recipients: ['a@contoso.com'],
      environmentCount: 1,
      decidedAt: decidedAt.toISOString(),
    },
  };
}

export const emailChannel = [{ name: 'email', target: 'smtp.contoso.com' }];

import type { OutboxEntry } from '../store/alertStore.js';

/** An alert as `GET /api/alerts` shows it (sandbox.md), plus when it was decided and why it is not sent yet. */
export interface AlertView {
  id: string;
  kind: OutboxEntry['kind'];
  rule: string;
  severity: string;
  subject: string;
  recipients: string[];
  environments: { id: string; displayName: string }[];
  environmentCount: number;
  status: 'sent' | 'pending' | 'failed';
  decidedAt: string;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
}

export function alertView(entry: OutboxEntry): AlertView {
  return {
    id: entry.alertId,
    kind: entry.kind,
    rule: entry.rule,
    severity: entry.severity,
    subject: entry.subject,
    recipients: entry.recipients,
    environments: entry.environments,
    environmentCount: entry.environmentCount,
    status: entry.status === 'sending' ? 'pending' : entry.status,
    decidedAt: entry.decidedAt,
    sentAt: entry.sentAt,
    attempts: entry.attempts,
    lastError: entry.lastError,
  };
}

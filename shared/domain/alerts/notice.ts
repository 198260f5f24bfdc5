import { severities, type Severity, type Status } from '../model.js';
import type { Alert } from './model.js';

/** One line of the daily digest: an open incident, without its environments. */
export interface DigestLine {
  severity: Severity;
  rule: string;
  vault: string | null;
  key: string | null;
  environmentCount: number;
  dueAt: string | null;
}

export interface Digest {
  type: 'digest';
  id: string;
  day: string;
  severity: Severity;
  byStatus: Record<Status, number>;
  incidents: DigestLine[];
  /** Open incidents beyond those listed. */
  more: number;
  recipients: string[];
  decidedAt: string;
}

/** To the monitor's own admins: it cannot see part of the tenant (opened), or sees it whole again (resolved). */
export interface SightNotice {
  type: 'sight';
  id: string;
  kind: 'opened' | 'resolved';
  severity: Severity;
  /** Why it cannot see, one line each; on a resolved notice, why it could not. */
  reasons: string[];
  /** When the monitor became degraded. */
  since: string;
  recipients: string[];
  decidedAt: string;
}

/** A test of one channel that someone asked for (`POST /api/test-alert`): sent at once, never in the outbox. */
export interface TestNotice {
  type: 'test';
  id: string;
  /** The channel under test. */
  channel: string;
  severity: Severity;
  recipients: string[];
  decidedAt: string;
}

/**
 * What a channel renders its own way: what the outbox holds (a decided alert, the daily digest, the monitor's own
 * sight), or a test of the channel.
 */
export type Notice = (Alert & { type: 'alert' }) | Digest | SightNotice | TestNotice;

export function severityOf(notice: Notice): Severity {
  return notice.type === 'alert' ? notice.incident.severity : notice.severity;
}

/** Whether a notice is at least as severe as `least`, the least severity a channel receives. */
export function reaches(notice: Notice, least: Severity): boolean {
  return severities.indexOf(severityOf(notice)) >= severities.indexOf(least);
}

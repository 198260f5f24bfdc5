import type { RuleId, Severity, Status } from '../domain/model.js';

/** One environment behind an incident, as the alert lists it. */
export interface AffectedEnvironment {
  environmentId: string;
  displayName: string;
  status: Status;
  policyId: string | null;
  policyName: string | null;
  /** The finding's own message for this environment. */
  message: string;
  /** When Microsoft deletes it unless key access is restored (outage findings only), or null. */
  deletionAt: string | null;
}

/**
 * One problem in one key chain: a rule failing for the key `vault`/`key`, with every environment it affects.
 * Its id is stable across scans and instances: `${rule}|${vault}|${key}` lower-cased.
 */
export interface Incident {
  id: string;
  rule: RuleId;
  /** The worst severity among its environments' findings of this rule. */
  severity: Severity;
  vault: string | null;
  key: string | null;
  keyVersion: string | null;
  /** The earliest due date among its findings (ISO 8601), or null. */
  dueAt: string | null;
  /** Outage incidents: the earliest deletion among their environments (ISO 8601), or null. */
  deletionAt: string | null;
  policies: { id: string; name: string | null }[];
  environments: AffectedEnvironment[];
}

/** What the ledger remembers of an incident, so an alert is sent once per threshold and once when resolved. */
export interface IncidentRecord {
  incidentId: string;
  /** Counts the times the incident opened; a reopened incident alerts afresh. */
  generation: number;
  /**
   * The last level alerted: a threshold in days for key-expiring, 0 for alerts sent at once, a reminder in days
   * before deletion for an outage, null when the incident is known but has not reached a level worth an alert.
   */
  level: number | null;
  openedAt: string;
  resolvedAt: string | null;
  /** The incident and recipients of the last alert sent for it, so the resolved message tells the same people. */
  lastAlert?: { incident: Incident; recipients: string[]; environmentCount: number };
}

export type AlertKind = 'opened' | 'escalated' | 'resolved';

/** An alert to send: the incident as it stood when the alert was decided, and who gets it. */
export interface Alert {
  /** Idempotency key: `${incidentId}|${generation}|${kind === 'resolved' ? 'resolved' : level}`. */
  id: string;
  kind: AlertKind;
  incident: Incident;
  /** Threshold in days (key-expiring), days before deletion (an outage's reminders), 0 for at-once alerts, null for resolved. */
  level: number | null;
  recipients: string[];
  /** Environments affected in all (`incident.environments` may list only the first of a resolved incident's). */
  environmentCount: number;
  decidedAt: string;
}

import type { RuleId, Severity, Status } from '../model.js';

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
  /** The environments the incident affects, as last decided; absent in a record written before they were kept. */
  membership?: Membership;
}

/**
 * The set of environments behind an incident: their ids while there are few enough to keep in one ledger row, and
 * always their number and a digest of the set, so that a change is seen however large the set.
 */
export interface Membership {
  /** Sorted; null when there are more than a ledger row keeps. */
  environmentIds: string[] | null;
  count: number;
  digest: string;
}

/** What changed in an open incident's environments since its last decision: those that came, and those that left. */
export interface IncidentChange {
  added: AffectedEnvironment[];
  removed: { environmentId: string; displayName: string | null }[];
  /** How many it affected before (the lists are empty when the set was too large for the ledger to keep). */
  before: number;
}

/** `grew`: more environments are affected than were alerted; `shrank`: some are no longer, the rest still are. */
export type AlertKind = 'opened' | 'escalated' | 'grew' | 'shrank' | 'resolved';

/** An alert to send: the incident as it stood when the alert was decided, and who gets it. */
export interface Alert {
  /**
   * Idempotency key: `${incidentId}|${generation}|${level}` when it opens or escalates, `…|resolved`, and
   * `…|grew|${digest}` or `…|shrank|${digest}` of the set it now affects, so the same set never alerts twice.
   */
  id: string;
  kind: AlertKind;
  incident: Incident;
  /** Threshold in days (key-expiring), days before deletion (an outage's reminders), 0 for at-once alerts, null for resolved. */
  level: number | null;
  recipients: string[];
  /** Environments affected in all (`incident.environments` may list only the first of a resolved incident's). */
  environmentCount: number;
  /** For `grew` and `shrank`: which environments came and which left. */
  change?: IncidentChange;
  decidedAt: string;
}

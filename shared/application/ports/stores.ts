import type { AlertKind, IncidentRecord } from '../../domain/alerts/model.js';
import type { Notice } from '../../domain/alerts/notice.js';
import type { EnvironmentStatus, StatusChange, Transition } from '../../domain/environmentStatus.js';
import type { Link } from '../../domain/links.js';
import type { Chain, Key } from '../../domain/model.js';
import type { AccessRefusal, RefusalStreak } from '../../domain/refusals.js';

/*
 * What the use cases keep and read back, and the shapes they keep it in. The Table Storage adapters
 * (adapters/tables/) implement these ports; the unit tests' in-memory ones do too.
 */

export interface Versioned<T> {
  value: T;
  etag: string;
}

export interface PlannedTransition {
  environmentId: string;
  previous: Versioned<EnvironmentStatus> | null;
  transition: Transition;
}

/** Recomputes a transition after another writer got there first. */
export type Replan = (environmentId: string, fresh: EnvironmentStatus | null) => Transition | null;

export interface CommitResult {
  environments: number;
  transactions: number;
  failed: { environmentId: string; error: string }[];
}

/** What two commits did together. */
export function sumCommits(a: CommitResult, b: CommitResult): CommitResult {
  return {
    environments: a.environments + b.environments,
    transactions: a.transactions + b.transactions,
    failed: [...a.failed, ...b.failed],
  };
}

export interface StoredLink {
  link: Link;
  etag: string;
}

/**
 * The last truth read about one policy's chain: its vault (with only the policy identity's access policies), key and
 * the identity's role grants. A part the read could not see keeps what was last seen, when anything was; a key read
 * missing keeps, as `deletedKey`, the key last read before (what recovering it from soft delete brings back).
 */
export type ChainSnapshot = Pick<Chain, 'policy' | 'vault' | 'key' | 'grants'> & { deletedKey?: Key };

export interface StoredChain {
  chain: ChainSnapshot;
  observedAt: string;
  etag: string;
}

export interface ScanRecord {
  at: string;
  summary: unknown;
}

export type EventOutcome = 'processed' | 'unaffected' | 'ignored' | 'rejected';

export interface RejectedEvent {
  receivedAt: string;
  functionName: string;
  reason: string;
  payload: string;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** A decided alert (or a digest) in the outbox: recorded once, whatever the channels do with it. */
export interface OutboxAlert {
  alertId: string;
  kind: AlertKind | 'digest';
  incidentId: string;
  rule: string;
  severity: string;
  subject: string;
  recipients: string[];
  environments: { id: string; displayName: string }[];
  environmentCount: number;
  decidedAt: string;
  /** What each channel renders its message from. */
  notice: Notice;
}

/** One alert on its way through one channel: recorded with the alert, retried until sent or refused. */
export interface Delivery {
  alertId: string;
  channel: string;
  /** The host it goes to, as it was when the alert was recorded. */
  target: string;
  incidentId: string;
  subject: string;
  decidedAt: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  claimedUntil: string | null;
  sentAt: string | null;
  lastError: string | null;
}

/** An alert with its deliveries, as the API lists it. */
export interface OutboxRecord {
  alert: OutboxAlert;
  deliveries: Delivery[];
}

export interface GroupsResult {
  written: number;
  conflicts: number;
}

/** Each environment's status and its history. */
export interface StatusPort {
  list(): Promise<Map<string, Versioned<EnvironmentStatus>>>;
  getMany(environmentIds: string[]): Promise<Map<string, Versioned<EnvironmentStatus>>>;
  get(environmentId: string): Promise<Versioned<EnvironmentStatus> | null>;
  history(environmentId: string, limit?: number): Promise<StatusChange[]>;
  recentHistory(limit?: number): Promise<StatusChange[]>;
  trimHistory(before: Date): Promise<number>;
  /** Commits under ETags; a lost race is replanned with `replan` against the fresh status. */
  commit(planned: PlannedTransition[], replan: Replan): Promise<CommitResult>;
}

/** The last truth read about each key. */
/** The chains as last read, by lower-case policy id: the picture a what-if changes. */
export interface ChainPort {
  list(): Promise<Map<string, StoredChain>>;
  /** The stored chains of these policies (any case), by lower-case policy id; a policy with none is left out. */
  get(policyIds: string[]): Promise<Map<string, StoredChain>>;
  save(stored: Map<string, StoredChain>, observed: Chain[], observedAt: Date): Promise<GroupsResult>;
}

/** The last inventory: each environment's link. */
export interface LinkPort {
  /** Shared with later reads while nothing changed: not to be modified. */
  list(): Promise<ReadonlyMap<string, StoredLink>>;
  save(stored: ReadonlyMap<string, StoredLink>, next: Map<string, Link | null>): Promise<GroupsResult>;
}

/** The monitor's heartbeats. */
/** A scan that could not read the inventory at all, and why. */
export interface ScanFailure {
  at: string;
  reason: string;
}

/** Whether the monitor's own admins were told that it cannot see part of the tenant: one alert when it starts, one when it ends. */
export interface SightRecord {
  /** Counts the times the monitor became degraded. */
  generation: number;
  degraded: boolean;
  since: string;
  /** The blind spots told, by code: one not among them is told afresh. */
  codes: string[];
  reasons: string[];
}

export interface ScanPort {
  last(): Promise<(ScanRecord & { etag: string }) | null>;
  record(scan: ScanRecord): Promise<void>;
  recordFailure(failure: ScanFailure): Promise<void>;
  /** The last scan that failed; null when none ever did. */
  lastFailure(): Promise<ScanFailure | null>;
  sight(): Promise<Versioned<SightRecord> | null>;
  /** Writes over the version read (or creates it); false when another instance changed it first. */
  saveSight(next: SightRecord, previous: Versioned<SightRecord> | null): Promise<boolean>;
  lastAudit(): Promise<string | null>;
  recordAudit(at: string): Promise<void>;
}

/** Rejected events and each day's counts. */
export interface EventPort {
  reject(event: Omit<RejectedEvent, 'payload'> & { payload: unknown }, now?: Date): Promise<void>;
  rejected(day: Date, limit?: number): Promise<RejectedEvent[]>;
  count(outcome: EventOutcome, now?: Date): Promise<void>;
  counts(day: Date): Promise<Record<EventOutcome, number>>;
  compactCounts(before: Date): Promise<number>;
  trim(rejectedBefore: Date, countsBefore: Date): Promise<number>;
}

/** Policy identities' refused calls, folded into streaks. */
export interface RefusalPort {
  list(): Promise<RefusalStreak[]>;
  record(refusals: AccessRefusal[]): Promise<number>;
}

/** Decided alerts and their deliveries, one per channel. */
export interface OutboxPort {
  enqueue(alert: OutboxAlert, channels: { name: string; target: string }[]): Promise<boolean>;
  waiting(): Promise<Versioned<Delivery>[]>;
  alert(alertId: string): Promise<OutboxAlert | null>;
  update(delivery: Versioned<Delivery>, next: Delivery): Promise<Versioned<Delivery> | null>;
  trimDelivered(before: Date): Promise<number>;
  list(limit?: number): Promise<OutboxRecord[]>;
}

/** The last level alerted for each incident. */
export interface LedgerPort {
  records(): Promise<Map<string, Versioned<IncidentRecord>>>;
  saveRecord(record: IncidentRecord, previous: Versioned<IncidentRecord> | undefined): Promise<boolean>;
}

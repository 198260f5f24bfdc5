import type { Config } from '../config.js';
import type { EnvironmentStatus } from '../domain/environmentStatus.js';
import type { ChainHint } from '../application/hint.js';
import type { AlertRun } from '../application/alerting.js';
import type { BlindSpot } from '../application/sight.js';
import type { WhatIfResult } from '../application/whatIf.js';
import type { TestAlertResult } from '../application/testAlert.js';
import type { Change } from '../domain/whatIf/changes.js';
import type { Reevaluation } from '../application/reevaluate.js';
import type { ReevaluationOutcome } from '../application/reevaluateThenAlert.js';
import type { DeliveredEvent, EventGridEventResult } from '../application/eventGridEvent.js';
import type { Trimmed } from '../application/retention.js';
import type { ScanSummary } from '../application/scan.js';
import type { AuditBatchResult } from '../application/auditBatch.js';
import type { AuditMessage } from '../application/auditReading.js';
import type { Stores } from './stores.js';
import type { ApiViews } from './views.js';

export type Log = (message: string) => void;

export interface Services {
  config: Config;
  stores(): Promise<Stores>;
  scan(log: Log, now?: Date): Promise<ScanSummary>;
  /** A scan, then the alerts the statuses call for: what the timer and `POST /api/scan` run. */
  scanThenAlert(log: Log): Promise<ScanSummary & { alerts: AlertRun }>;
  reevaluate(hint: ChainHint, source: string, now?: Date): Promise<Reevaluation>;
  /** Decides the alerts the statuses call for, records them, and sends what is due. */
  /** `scope`: only the incidents of the key chains of these statuses (what an event re-evaluated). */
  alert(log: Log, now?: Date, scope?: EnvironmentStatus[]): Promise<AlertRun>;
  /** Tells the monitor's own admins once when it starts or stops being blind to part of the tenant. */
  sight(spots: BlindSpot[], now?: Date): Promise<number>;
  /** Records today's digest (once a day however often it runs) and sends what is due. */
  digest(log: Log, now?: Date): Promise<AlertRun>;
  /** Deletes history, rejected events, counts and delivered alerts past their ages. */
  trim(now?: Date): Promise<Trimmed>;
  /**
   * What an event sets off (re-evaluate, then alert), once for a flood of the same hint from the same source: callers
   * join the run queued for it (see coalesce.ts).
   */
  reevaluateThenAlert(hint: ChainHint, source: string, log: Log): Promise<ReevaluationOutcome>;
  /** One Event Grid event as the edge decoded it: kept, counted or re-read (see eventGridEvent.ts). */
  event(delivered: DeliveredEvent, log: Log): Promise<EventGridEventResult>;
  /** The proposed changes applied to the monitor's picture and evaluated: nothing is read from Azure, nothing stored. */
  whatIf(changes: Change[], now?: Date): Promise<WhatIfResult>;
  /** A test notice through one configured channel, sent at once and recorded nowhere. */
  testAlert(channel: string, now?: Date): Promise<TestAlertResult>;
  /** One batch of Key Vault audit records: refusals recorded, each key or vault they name re-evaluated once. */
  audit(messages: AuditMessage[], functionName: string, log: Log): Promise<AuditBatchResult>;
  /** The read models the HTTP API answers with. */
  views: ApiViews;
}

import type { AccessRefusal } from '../domain/refusals.js';
import type { ChainHint } from './hint.js';

/** What an audit record was about: its operation, on which vault, when. */
export interface AuditSummary {
  operation: string;
  vaultName: string;
  at: string;
}

/** One Key Vault audit record, read. */
export type AuditReading =
  | { kind: 'hint'; record: AuditSummary; hint: ChainHint }
  | { kind: 'refusal'; record: AuditSummary; refusal: AccessRefusal; hint: ChainHint }
  /** A use of a key that succeeded: a sign that refusals have stopped, if there were any. */
  | { kind: 'use'; record: AuditSummary; use: Omit<AccessRefusal, 'status'>; hint: ChainHint }
  | { kind: 'ignored'; record: AuditSummary | null; reason: string }
  | { kind: 'rejected'; reason: string };

/**
 * One Event Hub message of audit records, read: each record on its own, beside the record as it came (kept with the
 * reason when it is rejected), or why the message holds no records at all.
 */
export type AuditMessage =
  | { kind: 'records'; records: { raw: unknown; reading: AuditReading }[] }
  | { kind: 'rejected'; reason: string; message: unknown };

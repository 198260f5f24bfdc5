import type { ChainHint } from './hint.js';
import type { EventPort } from './ports/stores.js';
import { TransientReadError } from './reevaluate.js';
import type { ReevaluationOutcome } from './reevaluateThenAlert.js';

/** The event as delivered, for log lines: its type (the source of every status change it causes), id and subject. */
export interface EventSummary {
  id: string;
  type: string;
  subject: string;
}

/** What the edge made of one delivered event: a hint of what to re-read, a reason to leave it alone, or a reason it is malformed. */
export type EventReading =
  | { kind: 'hint'; event: EventSummary; hint: ChainHint }
  | { kind: 'ignored'; event: EventSummary; reason: string }
  | { kind: 'rejected'; reason: string };

/** One Event Grid event: what decoding it found, the payload as it came (kept when rejected), and the function it came to. */
export interface DeliveredEvent {
  reading: EventReading;
  payload: unknown;
  functionName: string;
}

export interface EventGridEventDependencies {
  /** Where rejected events and each day's counts by outcome are kept. */
  events: Pick<EventPort, 'reject' | 'count'>;
  /** Re-reads what the hint names, re-evaluates the environments behind it and decides their alerts (see reevaluateThenAlert.ts). */
  reevaluateThenAlert(hint: ChainHint, source: string, log: (message: string) => void): Promise<ReevaluationOutcome>;
}

/** What became of the event, for the trigger to answer with. */
export type EventGridEventResult =
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'ignored'; event: EventSummary; reason: string }
  /** The hint was re-read: `processed` when environments stand behind it, `unaffected` when none do. */
  | { outcome: 'processed' | 'unaffected'; event: EventSummary; evaluated: ReevaluationOutcome }
  /** The truth could not be read for now (5xx, 429, network): the statuses say so, and the event is to come again. */
  | { outcome: 'retry'; event: EventSummary; error: TransientReadError };

/**
 * One Event Grid event, a hint to re-read part of the chain. An event that failed validation is kept with its reason
 * and counted, never re-read (delivered again it would fail the same way); one the monitor does not watch is counted;
 * a hint is re-read and re-evaluated (once for a flood of the same hint: `reevaluateThenAlert` joins the run queued for it), then
 * counted by whether environments stand behind it. A read that may pass later is `retry`, counted nowhere, so the
 * delivery that succeeds counts it; any other failure throws. Safe to deliver twice: a status changes only when its
 * findings do.
 */
export async function handleEventGridEvent(
  deps: EventGridEventDependencies,
  delivered: DeliveredEvent,
  log: (message: string) => void,
  now = new Date(),
): Promise<EventGridEventResult> {
  const { reading } = delivered;
  switch (reading.kind) {
    case 'rejected':
      await deps.events.reject({
        receivedAt: now.toISOString(),
        functionName: delivered.functionName,
        reason: reading.reason,
        payload: delivered.payload,
      });
      await deps.events.count('rejected');
      return { outcome: 'rejected', reason: reading.reason };
    case 'ignored':
      await deps.events.count('ignored');
      return { outcome: 'ignored', event: reading.event, reason: reading.reason };
    case 'hint': {
      let evaluated: ReevaluationOutcome;
      try {
        evaluated = await deps.reevaluateThenAlert(reading.hint, reading.event.type, log);
      } catch (error) {
        if (error instanceof TransientReadError) return { outcome: 'retry', event: reading.event, error };
        throw error;
      }
      const outcome = evaluated.environments ? 'processed' : 'unaffected';
      await deps.events.count(outcome);
      return { outcome, event: reading.event, evaluated };
    }
  }
}

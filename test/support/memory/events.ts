import type { EventOutcome, EventPort, RejectedEvent } from '../../../shared/application/ports/stores.js';

/** Rejected events and the counts by outcome in memory, every day as one; a payload is kept as the table keeps it, as JSON text. */
export class MemoryEventStore implements Pick<EventPort, 'reject' | 'rejected' | 'count' | 'counts'> {
  readonly rows: RejectedEvent[] = [];
  readonly tally: Record<EventOutcome, number> = { processed: 0, unaffected: 0, ignored: 0, rejected: 0 };

  async reject(event: Omit<RejectedEvent, 'payload'> & { payload: unknown }): Promise<void> {
    this.rows.push({ ...event, payload: JSON.stringify(event.payload) });
  }

  async rejected(_day: Date, limit = 50): Promise<RejectedEvent[]> {
    return this.rows.slice(0, limit);
  }

  async count(outcome: EventOutcome): Promise<void> {
    this.tally[outcome]++;
  }

  async counts(_day: Date): Promise<Record<EventOutcome, number>> {
    return { ...this.tally };
  }
}

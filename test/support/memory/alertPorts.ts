import type { IncidentRecord } from '../../../shared/domain/alerts/model.js';
import type { Notice } from '../../../shared/domain/alerts/notice.js';
import {
  PermanentDeliveryError,
  TransientDeliveryError,
  type Channel,
} from '../../../shared/application/ports/notifier.js';
import type { EnvironmentStatus } from '../../../shared/domain/environmentStatus.js';
import type {
  Delivery,
  LedgerPort,
  OutboxAlert,
  OutboxPort,
  StatusPort,
  Versioned,
} from '../../../shared/application/ports/stores.js';

let etags = 0;
const nextEtag = () => `W/"${++etags}"`;

/** The outbox in memory, with the table's rules: one alert per id, ETag-guarded updates. */
export class MemoryOutbox implements Pick<OutboxPort, 'enqueue' | 'waiting' | 'alert' | 'update'> {
  readonly alerts = new Map<string, OutboxAlert>();
  readonly deliveries = new Map<string, Versioned<Delivery>>();

  async enqueue(alert: OutboxAlert, channels: { name: string; target: string }[]): Promise<boolean> {
    if (this.alerts.has(alert.alertId)) return false;
    this.alerts.set(alert.alertId, alert);
    for (const channel of channels) {
      const delivery: Delivery = {
        alertId: alert.alertId,
        channel: channel.name,
        target: channel.target,
        incidentId: alert.incidentId,
        subject: alert.subject,
        decidedAt: alert.decidedAt,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: alert.decidedAt,
        claimedUntil: null,
        sentAt: null,
        lastError: null,
      };
      this.deliveries.set(`${alert.alertId}.${channel.name}`, { etag: nextEtag(), value: delivery });
    }
    return true;
  }

  async waiting(): Promise<Versioned<Delivery>[]> {
    return [...this.deliveries.values()]
      .filter(({ value }) => value.status === 'pending' || value.status === 'sending')
      .sort(
        (a, b) => a.value.decidedAt.localeCompare(b.value.decidedAt) || a.value.alertId.localeCompare(b.value.alertId),
      );
  }

  async alert(alertId: string): Promise<OutboxAlert | null> {
    return this.alerts.get(alertId) ?? null;
  }

  async update(delivery: Versioned<Delivery>, next: Delivery): Promise<Versioned<Delivery> | null> {
    const key = `${next.alertId}.${next.channel}`;
    if (this.deliveries.get(key)?.etag !== delivery.etag) return null;
    const updated = { etag: nextEtag(), value: next };
    this.deliveries.set(key, updated);
    return updated;
  }

  delivery(alertId: string, channel: string): Delivery | undefined {
    return this.deliveries.get(`${alertId}.${channel}`)?.value;
  }
}

export class MemoryLedger implements Pick<LedgerPort, 'records' | 'saveRecord'> {
  private readonly rows = new Map<string, Versioned<IncidentRecord>>();

  async records(): Promise<Map<string, Versioned<IncidentRecord>>> {
    return new Map(this.rows);
  }

  async saveRecord(record: IncidentRecord, previous: Versioned<IncidentRecord> | undefined): Promise<boolean> {
    if (this.rows.get(record.incidentId)?.etag !== previous?.etag) return false;
    this.rows.set(record.incidentId, { etag: nextEtag(), value: structuredClone(record) });
    return true;
  }
}

export class MemoryStatuses implements Pick<StatusPort, 'list'> {
  constructor(public statuses: EnvironmentStatus[] = []) {}

  async list(): Promise<Map<string, Versioned<EnvironmentStatus>>> {
    return new Map(this.statuses.map((status) => [status.environmentId, { etag: '*', value: status }]));
  }
}

/**
 * A channel that records what it sends; `down` makes it fail as a receiver that is away would (asking to wait
 * `retryAfterMs` at least before the next attempt), and `stall` makes a send wait on it first, as a host that hangs
 * or dies in the middle of a send.
 */
export class RecordingChannel implements Channel {
  readonly sent: Notice[] = [];
  down = false;
  retryAfterMs = 0;
  refuse = false;
  stall: Promise<void> | null = null;
  ready = true;
  readonly target: string;

  constructor(
    readonly name: string,
    private readonly accepts: (notice: Notice) => boolean = () => true,
  ) {
    this.target = `${name}.example`;
  }

  takes(notice: Notice): boolean {
    return this.accepts(notice);
  }

  async send(notice: Notice): Promise<void> {
    if (this.stall) await this.stall;
    if (this.down) throw new TransientDeliveryError(`${this.name} answered 503`, this.retryAfterMs);
    if (this.refuse) throw new PermanentDeliveryError(`${this.name} answered 400: invalid_payload`);
    this.sent.push(notice);
  }
}

import { createHash } from 'node:crypto';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { Notice } from '../../domain/alerts/notice.js';
import { submitBatch } from './batch.js';
import { getOrNull, isConflict, isNotFound } from './tables.js';
import type { Delivery, OutboxAlert, OutboxPort, OutboxRecord, Versioned } from '../../application/ports/stores.js';

const maxListedEnvironments = 200;
const partitionKey = 'alert';

type AlertEntity = Omit<OutboxAlert, 'recipients' | 'environments' | 'notice'> & {
  partitionKey: string;
  rowKey: string;
  row: 'alert';
  recipients: string;
  environments: string;
  notice: string;
};

type DeliveryEntity = Omit<Delivery, 'claimedUntil' | 'sentAt' | 'lastError'> & {
  partitionKey: string;
  rowKey: string;
  row: 'delivery';
  claimedUntil?: string;
  sentAt?: string;
  lastError?: string;
};

const unsentFilter = `PartitionKey eq '${partitionKey}' and row eq 'delivery' and status ne 'sent' and status ne 'failed'`;

/**
 * The outbox, in the Alerts table: one row per decided alert and one per (alert, channel). An alert's rows are
 * written in one transaction under keys derived from its id alone, so two instances deciding the same alert record
 * it once: the second transaction conflicts.
 */
export class AlertStore implements OutboxPort {
  constructor(private readonly table: TableClient) {}

  /** Records the alert and one pending delivery per channel, unless it already is; true when this call recorded it. */
  async enqueue(alert: OutboxAlert, channels: { name: string; target: string }[]): Promise<boolean> {
    const deliveries = channels.map((channel): Delivery => ({
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
    }));
    const actions: TransactionAction[] = [
      ['create', alertEntity(alert)],
      ...deliveries.map((delivery): TransactionAction => ['create', deliveryEntity(delivery)]),
    ];
    try {
      await submitBatch(this.table, actions);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** Deliveries not yet sent and not given up (pending or being sent), oldest first. */
  async waiting(): Promise<Versioned<Delivery>[]> {
    const waiting: Versioned<Delivery>[] = [];
    for await (const row of this.table.listEntities<DeliveryEntity>({ queryOptions: { filter: unsentFilter } }))
      waiting.push({ etag: row.etag, value: fromDelivery(row) });
    return waiting.sort(
      (a, b) => a.value.decidedAt.localeCompare(b.value.decidedAt) || a.value.alertId.localeCompare(b.value.alertId),
    );
  }

  /** The alert a delivery carries; null when it was trimmed. */
  async alert(alertId: string): Promise<OutboxAlert | null> {
    const row = await getOrNull<AlertEntity>(this.table, partitionKey, keyOf(alertId));
    return row && fromAlert(row);
  }

  /** Moves a delivery to its next state if nobody else did first; the new version, or null after a lost race. */
  async update(delivery: Versioned<Delivery>, next: Delivery): Promise<Versioned<Delivery> | null> {
    try {
      const response = await this.table.updateEntity(deliveryEntity(next), 'Replace', { etag: delivery.etag });
      return { etag: response.etag ?? '', value: next };
    } catch (error) {
      if (isConflict(error)) return null;
      throw error;
    }
  }

  /**
   * Deletes alerts decided before `before` whose every delivery was sent or given up (and sent before `before`);
   * an alert with a delivery still waiting stays whole, and so does the incident ledger.
   */
  async trimDelivered(before: Date): Promise<number> {
    const at = before.toISOString();
    const stale = (await this.records()).filter(
      ({ alert, deliveries }) =>
        alert.decidedAt < at &&
        deliveries.every((d) => d.status === 'failed' || (d.status === 'sent' && (d.sentAt ?? '') < at)),
    );
    for (const { alert, deliveries } of stale) {
      const actions: TransactionAction[] = [alert, ...deliveries].map((row) => [
        'delete',
        { partitionKey, rowKey: 'channel' in row ? keyOf(row.alertId, row.channel) : keyOf(row.alertId) },
      ]);
      await submitBatch(this.table, actions).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
    return stale.length;
  }

  /** The newest alerts first, each with its deliveries. */
  async list(limit = 100): Promise<OutboxRecord[]> {
    return (await this.records()).sort((a, b) => b.alert.decidedAt.localeCompare(a.alert.decidedAt)).slice(0, limit);
  }

  private async records(): Promise<OutboxRecord[]> {
    const alerts = new Map<string, OutboxRecord>();
    const deliveries: Delivery[] = [];
    for await (const row of this.table.listEntities<AlertEntity | DeliveryEntity>({
      queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
    })) {
      if (row.row === 'alert') alerts.set(row.alertId, { alert: fromAlert(row), deliveries: [] });
      else if (row.row === 'delivery') deliveries.push(fromDelivery(row));
    }
    for (const delivery of deliveries) alerts.get(delivery.alertId)?.deliveries.push(delivery);
    return [...alerts.values()];
  }
}

/** An alert's row key, or its delivery's through `channel`. */
function keyOf(alertId: string, channel?: string): string {
  const key = createHash('sha256').update(alertId).digest('hex');
  return channel ? `${key}.${channel}` : key;
}

function alertEntity(alert: OutboxAlert): AlertEntity {
  const { recipients, environments, notice, ...rest } = alert;
  return {
    ...rest,
    partitionKey,
    rowKey: keyOf(alert.alertId),
    row: 'alert',
    subject: alert.subject.slice(0, 1_000),
    recipients: JSON.stringify(recipients),
    environments: JSON.stringify(environments.slice(0, maxListedEnvironments)),
    notice: JSON.stringify(notice),
  };
}

function fromAlert(row: AlertEntity): OutboxAlert {
  return {
    alertId: row.alertId,
    kind: row.kind,
    incidentId: row.incidentId,
    rule: row.rule,
    severity: row.severity,
    subject: row.subject,
    recipients: JSON.parse(row.recipients) as string[],
    environments: JSON.parse(row.environments) as OutboxAlert['environments'],
    environmentCount: row.environmentCount,
    decidedAt: row.decidedAt,
    notice: JSON.parse(row.notice) as Notice,
  };
}

function deliveryEntity(delivery: Delivery): DeliveryEntity {
  const { claimedUntil, sentAt, lastError, ...rest } = delivery;
  return {
    ...rest,
    partitionKey,
    rowKey: keyOf(delivery.alertId, delivery.channel),
    row: 'delivery',
    subject: delivery.subject.slice(0, 1_000),
    ...(claimedUntil && { claimedUntil }),
    ...(sentAt && { sentAt }),
    ...(lastError && { lastError: lastError.slice(0, 1_000) }),
  };
}

function fromDelivery(row: DeliveryEntity): Delivery {
  return {
    alertId: row.alertId,
    channel: row.channel,
    target: row.target,
    incidentId: row.incidentId,
    subject: row.subject,
    decidedAt: row.decidedAt,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    claimedUntil: row.claimedUntil ?? null,
    sentAt: row.sentAt ?? null,
    lastError: row.lastError ?? null,
  };
}

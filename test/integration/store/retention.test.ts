/** Retention on Azurite: rows on both sides of each age, and what must never go. */
import { beforeAll, describe, expect, it } from 'vitest';
import { advance, type EnvironmentEvaluation } from '../../../shared/domain/environmentStatus.js';
import type { Status } from '../../../shared/domain/model.js';
import { defaultRetention } from '../../../shared/config.js';
import { trimStores, type Trimmed } from '../../../shared/application/retention.js';
import { AlertStore } from '../../../shared/adapters/tables/alertStore.js';
import { EventStore } from '../../../shared/adapters/tables/eventStore.js';
import { StatusStore } from '../../../shared/adapters/tables/statusStore.js';
import { emailChannel, outboxAlert } from '../../support/outbox.js';
import { openTestTables } from '../../support/tables.js';

const day = 86_400_000;
const now = new Date('2026-12-02T12:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * day);
const ages = { historyDays: 400, rejectedEventsDays: 30, eventCountsDays: 90, sentAlertsDays: 90 };

function environmentEvaluation(status: Status, at: Date): EnvironmentEvaluation {
  const findings =
    status === 'outage'
      ? [{ rule: 'key-disabled' as const, severity: 'outage' as const, message: 'Key k is disabled', dueAt: null }]
      : [];
  return {
    environmentId: 'env-1',
    displayName: 'Env 1',
    policyId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.PowerPlatform/enterprisePolicies/p',
    policyName: 'p',
    vault: 'v',
    key: 'k',
    keyVersion: '1',
    sku: 'Production',
    evaluation: { status, findings, outageAt: null },
    observedAt: at.toISOString(),
  };
}

let statuses: StatusStore;
let events: EventStore;
let alerts: AlertStore;
let runs: Trimmed[];

async function changeStatus(status: Status, at: Date): Promise<void> {
  const previous = await statuses.get('env-1');
  const transition = advance(previous?.value ?? null, environmentEvaluation(status, at), at, 'scan');
  if (transition) await statuses.commit([{ environmentId: 'env-1', previous, transition }], () => null);
}

async function alertSent(id: string, decidedAt: Date, outcome: 'sent' | 'failed' | 'pending'): Promise<void> {
  await alerts.enqueue(outboxAlert(id, decidedAt), emailChannel);
  if (outcome === 'pending') return;
  const [stored] = (await alerts.waiting()).filter((waiting) => waiting.value.alertId === id);
  if (!stored) throw new Error(`no delivery of ${id}`);
  await alerts.update(stored, {
    ...stored.value,
    status: outcome,
    attempts: 1,
    sentAt: outcome === 'sent' ? decidedAt.toISOString() : null,
  });
}

beforeAll(async () => {
  const tables = openTestTables();
  statuses = new StatusStore(await tables.get('Status'));
  events = new EventStore(await tables.get('Events'));
  alerts = new AlertStore(await tables.get('Alerts'));

  await changeStatus('healthy', ago(500));
  await changeStatus('outage', ago(401));
  await changeStatus('healthy', ago(399));
  await changeStatus('warning', ago(2));

  for (const [daysAgo, reason] of [
    [31, 'old'],
    [29, 'recent'],
  ] as const) {
    await events.reject(
      { receivedAt: ago(daysAgo).toISOString(), functionName: 'keyVaultEvents', reason, payload: {} },
      ago(daysAgo),
    );
  }
  for (const daysAgo of [91, 89, 1, 0]) {
    await Promise.all(
      Array.from({ length: 150 }, (_, i) => events.count(i % 3 ? 'processed' : 'rejected', ago(daysAgo))),
    );
  }

  await alertSent('sent-old', ago(91), 'sent');
  await alertSent('sent-recent', ago(89), 'sent');
  await alertSent('failed-old', ago(91), 'failed');
  await alertSent('waiting-old', ago(200), 'pending');

  // Two instances at once: nothing is counted twice and neither fails.
  runs = await Promise.all([
    trimStores({ statuses, events, alerts, ages }, now),
    trimStores({ statuses, events, alerts, ages }, now),
  ]);
});

describe('retention', () => {
  it('deletes history past its age and keeps the current status', async () => {
    expect((await statuses.history('env-1')).map((change) => change.to)).toEqual(['warning', 'healthy']);
    expect((await statuses.recentHistory()).map((change) => change.to)).toEqual(['warning', 'healthy']);
    // Two history entries went; each run counts what it found, never the recent changes' copies besides.
    expect(runs.map((run) => run.history)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(Math.max(...runs.map((run) => run.history))).toBe(2);
    expect((await statuses.get('env-1'))?.value.status).toBe('warning');
  });

  it('deletes rejected events past their age', async () => {
    expect((await events.rejected(ago(31))).length).toBe(0);
    expect((await events.rejected(ago(29))).map((event) => event.reason)).toEqual(['recent']);
  });

  it("folds each past day's counts into one row, exactly, and deletes counts past their age", async () => {
    const folded = { processed: 100, unaffected: 0, ignored: 0, rejected: 50 };
    expect(await events.counts(ago(89))).toEqual(folded);
    expect(await events.counts(ago(1))).toEqual(folded);
    expect(await events.counts(ago(0))).toEqual(folded);
    expect(await events.counts(ago(91))).toEqual({ processed: 0, unaffected: 0, ignored: 0, rejected: 0 });
    await trimStores({ statuses, events, alerts, ages }, now);
    expect(await events.counts(ago(1))).toEqual(folded);
  });

  it('deletes alerts sent or given up past their age, never one still waiting', async () => {
    expect((await alerts.list()).map(({ alert }) => alert.alertId).sort()).toEqual(['sent-recent', 'waiting-old']);
    // Between them the two runs found what went; which of them deleted a row is a race.
    expect(runs.reduce((sum, run) => sum + run.alerts, 0)).toBeGreaterThanOrEqual(2);
  });

  it('keeps a year of history by default, and a month of rejected events', () => {
    expect(defaultRetention).toEqual({
      historyDays: 400,
      rejectedEventsDays: 30,
      eventCountsDays: 90,
      sentAlertsDays: 90,
    });
  });
});

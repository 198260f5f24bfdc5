import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertConfig } from '../../../shared/config.js';
import { createServices } from '../../../shared/composition/index.js';
import { AlertStore } from '../../../shared/adapters/tables/alertStore.js';
import { emailChannel, outboxAlert } from '../../support/outbox.js';
import { openTestTables } from '../../support/tables.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtpSink.js';
import { startWorld, type World } from '../../support/world.js';
import { scanScenario } from '../scan/scenario.js';

let sink: SmtpSink;
let world: World;

beforeAll(async () => {
  sink = await startSmtpSink();
  const alerts: AlertConfig = {
    channels: [{ name: 'email', settings: { minSeverity: 'info' } }],
    mail: { kind: 'smtp', host: '127.0.0.1', port: sink.port, secure: false, user: null, password: null },
    from: 'cmk-monitor@contoso.com',
    keyvaultAdmins: ['kv-admins@contoso.com'],
    powerplatformAdmins: ['pp-admins@contoso.com'],
    monitorAdmins: [],
    thresholdsDays: [30, 14, 7, 3, 1],
    dashboardUrl: null,
  };
  world = await startWorld(scanScenario(), { alerts });
});
afterAll(async () => {
  await world?.stop();
  await sink?.stop();
});

describe('two instances deciding alerts at once', () => {
  it('record and send each alert once', async () => {
    await world.services.scan(() => undefined);
    const other = createServices(world.services.config, { ca: world.double.ca });
    await Promise.all([
      world.services.alert(() => undefined),
      other.alert(() => undefined),
      world.services.alert(() => undefined),
    ]);
    const subjects = sink.received.map((mail) => mail.parsed.subject);
    expect(subjects.length).toBeGreaterThan(3);
    expect(new Set(subjects).size).toBe(subjects.length);
    const { alerts } = await world.services.stores();
    expect((await alerts.list()).length).toBe(subjects.length);
  });

  it('keep a late duplicate of an alert from putting a sent one back in the queue', async () => {
    const store = new AlertStore(await openTestTables().get('Alerts'));
    const alert = outboxAlert('key-disabled|kv|k|1|0', new Date());
    expect(await Promise.all([store.enqueue(alert, emailChannel), store.enqueue(alert, emailChannel)])).toEqual(
      expect.arrayContaining([true, false]),
    );
    const [waiting, ...more] = await store.waiting();
    if (!waiting) throw new Error('expected the delivery to wait');
    expect(more).toEqual([]);
    await store.update(waiting, { ...waiting.value, status: 'sent', sentAt: new Date().toISOString() });
    expect(await store.enqueue(alert, emailChannel)).toBe(false);
    expect(await store.waiting()).toEqual([]);
  });
});

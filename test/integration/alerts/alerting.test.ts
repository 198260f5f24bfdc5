import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventHandler } from '../../../functions/events.js';
import { alertView } from '../../../shared/application/views/alertView.js';
import { readHealth } from '../../../shared/application/views/statusQueries.js';
import type { AlertConfig } from '../../../shared/config.js';
import { keyVaultEvent } from '../../support/eventPayloads.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../support/smtpSink.js';
import { startWorld, type World } from '../../support/world.js';
import { environments, scanScenario } from '../scan/scenario.js';

const keyvaultAdmins = ['kv-admins@contoso.com'];
const powerplatformAdmins = ['pp-admins@contoso.com'];
const legacyTeam = 'legacy-team@contoso.com';
const hostileName = '<script>alert(1)</script>\r\nBcc: evil@attacker.example';
const day = 86_400_000;

let sink: SmtpSink;
let world: World;
const start = new Date();

beforeAll(async () => {
  sink = await startSmtpSink();
  const scenario = scanScenario();
  const legacy = scenario.policies.find((policy) => policy.name === 'cmk-legacy');
  Object.assign(legacy ?? {}, { tags: { 'cmk-monitor-alert-to': legacyTeam } });
  const disabled = scenario.environments.find((environment) => environment.id === environments.disabled);
  Object.assign(disabled ?? {}, { displayName: hostileName });
  const alerts: AlertConfig = {
    channels: [{ name: 'email', settings: { minSeverity: 'info' } }],
    mail: { kind: 'smtp', host: '127.0.0.1', port: sink.port, secure: false, user: null, password: null },
    from: 'cmk-monitor@contoso.com',
    keyvaultAdmins,
    powerplatformAdmins,
    monitorAdmins: [],
    thresholdsDays: [30, 14, 7, 3, 1],
    dashboardUrl: null,
  };
  world = await startWorld(scenario, { alerts });
});
afterAll(async () => {
  await world?.stop();
  await sink?.stop();
});

async function scanAndAlert(now = new Date()) {
  await world.services.scan(() => undefined, now);
  return world.services.alert(() => undefined, now);
}

function mailsAbout(rule: string, mails: ReceivedMail[] = sink.received): ReceivedMail[] {
  return mails.filter((mail) => mail.parsed.subject?.includes(rule));
}

describe('alerts', () => {
  it('alerts each incident once, to the admins by duty or to the policy tag', async () => {
    const run = await scanAndAlert(start);
    expect(run.failed).toBe(0);
    expect(run.sent).toBe(sink.received.length);

    const [disabled] = mailsAbout('key-disabled');
    expect(disabled?.to.sort()).toEqual([...keyvaultAdmins, ...powerplatformAdmins].sort());
    const [expiring] = mailsAbout('key-expiring');
    expect(expiring?.to).toEqual(keyvaultAdmins);
    expect(expiring?.parsed.text).toContain('keep the previous version enabled for at least 28 days');
    expect(mailsAbout('vault-recovery-off')[0]?.to).toEqual([legacyTeam]);
    expect(mailsAbout('environment-not-eligible')).toEqual([]);
    for (const rule of ['key-disabled', 'key-expiring', 'access-revoked', 'vault-recovery-off', 'monitor-blind'])
      expect(mailsAbout(rule).length, rule).toBeGreaterThan(0);

    const { alerts } = await world.services.stores();
    expect(
      (await alerts.list()).map(alertView).every((alert) => alert.status === 'sent' && alert.deliveries.length === 1),
    ).toBe(true);
  });

  it('sends nothing more for a second scan or for duplicate events', async () => {
    const before = sink.received.length;
    await scanAndAlert(start);
    const version = world.double.state.versionIds('kv-main', 'k-disabled').at(-1) ?? null;
    const event = keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-disabled', version);
    const context = new InvocationContext({
      invocationId: 'test',
      functionName: 'keyVaultEvents',
      logHandler: () => undefined,
    });
    const handler = createEventHandler(() => world.services);
    await handler(event, context);
    await handler(event, context);
    expect(sink.received.length).toBe(before);
  });

  it('escalates once when key-expiring crosses the next threshold', async () => {
    const before = sink.received.length;
    await scanAndAlert(new Date(start.getTime() + 7 * day));
    const escalated = mailsAbout('key-expiring', sink.received.slice(before));
    expect(escalated).toHaveLength(1);
    // 20 days of key left, 7 gone: 13 and a little, since the double set the expiry (in whole seconds) after `start`.
    expect(escalated[0]?.parsed.subject).toMatch(/in 1[34] days/);
    await scanAndAlert(new Date(start.getTime() + 7 * day + 3_600_000));
    expect(sink.received.length).toBe(before + 1);
  });

  it('says once that an incident is resolved', async () => {
    world.double.state.createKeyVersion('kv-main', 'k-expiring', { expiresOn: new Date(start.getTime() + 365 * day) });
    const before = sink.received.length;
    await scanAndAlert(new Date(start.getTime() + 8 * day));
    await scanAndAlert(new Date(start.getTime() + 8 * day + 3_600_000));
    const resolved = sink.received.slice(before);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]?.parsed.subject).toMatch(/resolved/i);
    expect(resolved[0]?.parsed.subject).toContain('key-expiring');
  });

  it('loses no alert to a mail outage and delivers it exactly once after', async () => {
    const at = new Date(start.getTime() + 9 * day);
    const version = world.double.state.versionIds('kv-main', 'k-healthy').at(-1) ?? '';
    world.double.state.disableKeyVersion('kv-main', 'k-healthy', version);
    sink.failWith(421);
    const before = sink.received.length;
    const during = await scanAndAlert(at);
    expect(during).toMatchObject({ queued: 1, sent: 0 });
    const { alerts } = await world.services.stores();
    const [pending] = (await alerts.list(1)).map(alertView);
    expect(pending).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: expect.stringContaining('421') as unknown,
    });

    sink.failWith(null);
    expect((await world.services.alert(() => undefined, new Date(at.getTime() + 30_000))).sent).toBe(0);
    expect((await world.services.alert(() => undefined, new Date(at.getTime() + 2 * 60_000))).sent).toBe(1);
    await world.services.alert(() => undefined, new Date(at.getTime() + 60 * 60_000));
    const after = sink.received.slice(before);
    expect(after).toHaveLength(1);
    expect(after[0]?.parsed.subject).toContain('key-disabled');
    world.double.state.updateKeyVersion('kv-main', 'k-healthy', version, { enabled: true });
  });

  it('waits out a 48-hour mail outage, shows the oldest waiting alert, and then sends every alert exactly once', async () => {
    const at = new Date(start.getTime() + 11 * day);
    // The outage of the test before is over: its incident resolves here, with mail working.
    await scanAndAlert(new Date(at.getTime() - 3_600_000));
    const version = world.double.state.versionIds('kv-main', 'k-healthy').at(-1) ?? '';
    world.double.state.disableKeyVersion('kv-main', 'k-healthy', version);
    sink.failWith(421);
    const before = sink.received.length;
    const stores = await world.services.stores();
    try {
      await scanAndAlert(at);
      for (let minutes = 20; minutes <= 48 * 60; minutes += 20)
        await world.services.alert(() => undefined, new Date(at.getTime() + minutes * 60_000));
      const waiting = (await stores.alerts.waiting()).map(({ value }) => value);
      expect(waiting.map((alert) => alert.status)).toEqual(waiting.map(() => 'pending'));
      expect(waiting[0]?.subject).toContain('key-disabled on kv-main/k-healthy');
      expect(waiting[0]?.attempts).toBeGreaterThan(30);
      expect((await readHealth(stores)).alerts).toEqual({
        waiting: waiting.length,
        oldest: {
          subject: waiting[0]?.subject,
          channel: 'email',
          decidedAt: at.toISOString(),
          attempts: waiting[0]?.attempts,
          lastError: expect.stringContaining('421') as unknown,
        },
      });
    } finally {
      sink.failWith(null);
    }
    const waited = (await stores.alerts.waiting()).map(({ value }) => value.subject).sort();
    await world.services.alert(() => undefined, new Date(at.getTime() + 50 * 3_600_000));
    await world.services.alert(() => undefined, new Date(at.getTime() + 52 * 3_600_000));
    expect(
      sink.received
        .slice(before)
        .map((mail) => mail.parsed.subject)
        .sort(),
    ).toEqual(waited);
    expect((await readHealth(stores)).alerts).toEqual({ waiting: 0, oldest: null });
    world.double.state.updateKeyVersion('kv-main', 'k-healthy', version, { enabled: true });
    await scanAndAlert(new Date(at.getTime() + 53 * 3_600_000));
  }, 60_000);

  it('alerts at once when an event breaks a chain, and once when the next event sees it mended', async () => {
    const handler = createEventHandler(() => world.services);
    const context = new InvocationContext({
      invocationId: 'test',
      functionName: 'keyVaultEvents',
      logHandler: () => undefined,
    });
    const version = world.double.state.versionIds('kv-main', 'k-expiring').at(-1) ?? '';
    const before = sink.received.length;
    world.double.state.disableKeyVersion('kv-main', 'k-expiring', version);
    await handler(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-expiring', version), context);
    world.double.state.updateKeyVersion('kv-main', 'k-expiring', version, { enabled: true });
    await handler(keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-main', 'k-expiring', version), context);
    expect(sink.received.slice(before).map((mail) => mail.parsed.subject?.replace(/ since .*:|:/, ':'))).toEqual([
      '[CMK outage] 1 environment down: key-disabled on kv-main/k-expiring',
      expect.stringMatching(/^\[CMK resolved\] 1 environment: key-disabled on kv-main\/k-expiring cleared/),
    ]);
  });

  it('never lets a hostile display name into the HTML or the headers', () => {
    const [mail] = mailsAbout('key-disabled').filter((received) => received.parsed.text?.includes('alert(1)'));
    expect(mail).toBeDefined();
    const html = String(mail?.parsed.html);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail?.parsed.headers.has('bcc')).toBe(false);
    expect(mail?.to).not.toContain('evil@attacker.example');
    expect(sink.received.flatMap((received) => received.to)).not.toContain('evil@attacker.example');
  });

  it('mails one digest a day to both admin lists, however often it runs', async () => {
    const before = sink.received.length;
    const at = new Date(start.getTime() + 10 * day);
    await world.services.digest(() => undefined, at);
    await world.services.digest(() => undefined, new Date(at.getTime() + 60_000));
    const digests = sink.received.slice(before);
    expect(digests).toHaveLength(1);
    expect(digests[0]?.to.sort()).toEqual([...keyvaultAdmins, ...powerplatformAdmins].sort());
    expect(digests[0]?.parsed.subject).toMatch(
      /^\[CMK digest\] \d{4}-\d\d-\d\d: \d+ down, \d+ critical, \d+ warning, \d+ unknown, \d+ healthy$/,
    );
    expect(digests[0]?.parsed.text).toContain('environment-not-eligible');
  });
});

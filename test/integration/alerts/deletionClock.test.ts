import { HttpRequest, HttpResponse, InvocationContext, type EventGridEvent } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../functions/api.js';
import { createEventHandler } from '../../../functions/events.js';
import { keyVaultEvent } from '../../support/eventPayloads.js';
import { environment, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../support/smtpSink.js';
import { startWorld, type World } from '../../support/world.js';
import { guid } from '../scan/scenario.js';

const keyvaultAdmins = ['kv-admins@contoso.com'];
const powerplatformAdmins = ['pp-admins@contoso.com'];
const day = 86_400_000;
const hour = 3_600_000;
const ids = { sandbox: guid(301), production: guid(302), expired: guid(303), healthy: guid(304) };
const principal = guid(401);

/** Three chains down (a disabled key behind a sandbox, one behind a production environment, an expired key behind a sandbox) and one healthy. */
function scenario() {
  return {
    subscriptionId: '11111111-1111-4111-8111-111111111111',
    vaults: [
      healthyVaultOf(
        'kv-clock',
        [principal],
        [
          key('k-sandbox', [version(100, 265, false)]),
          key('k-production', [version(100, 265, false)]),
          key('k-expired', [version(364, -1)]),
          key('k-healthy', [version(10, 355)]),
        ],
      ),
    ],
    policies: [
      policy('cmk-sandbox', 'kv-clock', 'k-sandbox', principal),
      policy('cmk-production', 'kv-clock', 'k-production', principal),
      policy('cmk-expired', 'kv-clock', 'k-expired', principal),
      policy('cmk-healthy', 'kv-clock', 'k-healthy', principal),
    ],
    environments: [
      environment(ids.sandbox, 'Sandbox <b>down</b>', 'cmk-sandbox', 'Sandbox'),
      environment(ids.production, 'Production down', 'cmk-production', 'Production'),
      environment(ids.expired, 'Expired sandbox', 'cmk-expired', 'Sandbox'),
      environment(ids.healthy, 'Healthy', 'cmk-healthy', 'Production'),
    ],
  };
}

let sink: SmtpSink;
let world: World;
const start = new Date();
const at = (offset: number) => new Date(start.getTime() + offset);
const context = () =>
  new InvocationContext({ invocationId: 'test', functionName: 'test', logHandler: () => undefined });

beforeAll(async () => {
  sink = await startSmtpSink();
  world = await startWorld(scenario(), {
    alerts: {
      channels: [{ name: 'email', settings: { minSeverity: 'info' } }],
      mail: { kind: 'smtp', host: '127.0.0.1', port: sink.port, secure: false, user: null, password: null },
      from: 'cmk-monitor@contoso.com',
      keyvaultAdmins,
      powerplatformAdmins,
      monitorAdmins: [],
      thresholdsDays: [30, 14, 7, 3, 1],
      dashboardUrl: null,
    },
  });
});
afterAll(async () => {
  await world?.stop();
  await sink?.stop();
});

async function scanAndAlert(now: Date): Promise<ReceivedMail[]> {
  const before = sink.received.length;
  await world.services.scan(() => undefined, now);
  await world.services.alert(() => undefined, now);
  return sink.received.slice(before);
}

async function get(path: 'environments' | 'dashboard', id?: string) {
  const api = createApi(() => world.services);
  const handler = id ? api.environment : api[path];
  const request = new HttpRequest({
    method: 'GET',
    url: `https://monitor.example/api/${path}${id ? `/${id}` : ''}`,
    params: id ? { id } : {},
  });
  const result = await handler(request, context());
  return (result instanceof HttpResponse ? result : new HttpResponse(result)).text();
}

async function environmentsById(): Promise<
  Map<
    string,
    { lockedSince: string | null; deletionAt: string | null; findings: { rule: string; dueAt: string | null }[] }
  >
> {
  const list = JSON.parse(await get('environments')) as {
    id: string;
    lockedSince: string | null;
    deletionAt: string | null;
    findings: { rule: string; dueAt: string | null }[];
  }[];
  return new Map(list.map((environment) => [environment.id, environment]));
}

const subjects = (mails: ReceivedMail[]) => mails.map((mail) => mail.parsed.subject ?? '').sort();

describe('deletion clock', () => {
  it('dates each outage and its deletion: a sandbox 7 days on, production 30, an expired key from its expiry', async () => {
    const opened = await scanAndAlert(start);
    expect(opened.filter((mail) => mail.parsed.subject?.startsWith('[CMK outage]'))).toHaveLength(3);

    const environments = await environmentsById();
    expect(environments.get(ids.sandbox)).toMatchObject({
      lockedSince: start.toISOString(),
      deletionAt: at(7 * day).toISOString(),
    });
    expect(environments.get(ids.production)).toMatchObject({
      lockedSince: start.toISOString(),
      deletionAt: at(30 * day).toISOString(),
    });
    const expired = environments.get(ids.expired);
    const expiry = expired?.findings.find((finding) => finding.rule === 'key-expired')?.dueAt ?? '';
    expect(Date.parse(expiry)).toBeLessThan(start.getTime() - 23 * hour);
    expect(expired).toMatchObject({
      lockedSince: expiry,
      deletionAt: new Date(Date.parse(expiry) + 7 * day).toISOString(),
    });
    expect(environments.get(ids.healthy)).toMatchObject({ lockedSince: null, deletionAt: null });

    expect(JSON.parse(await get('environments', ids.sandbox))).toMatchObject({
      lockedSince: start.toISOString(),
      deletionAt: at(7 * day).toISOString(),
    });
  });

  it('says in the outage alert, text and HTML, when each environment is deleted', () => {
    const mail = sink.received.find((received) => received.parsed.subject?.includes('k-sandbox'));
    const notice = `deleted on ${at(7 * day)
      .toISOString()
      .slice(0, 10)} in 7 days unless access is restored`;
    expect(mail?.parsed.text).toContain(`Deletion: ${notice}`);
    expect(mail?.parsed.text).toContain(`Environment ${notice}.`);
    const html = String(mail?.parsed.html);
    expect(html).toContain(notice);
    expect(html).toContain('Sandbox &lt;b&gt;down&lt;/b&gt;');
    expect(html).not.toContain('<b>down</b>');
  });

  it('shows the deletion date on the dashboard', async () => {
    const page = await get('dashboard');
    expect(page).toContain(
      `deleted on ${at(7 * day)
        .toISOString()
        .slice(0, 10)} in 7 days unless access is restored`,
    );
    expect(page).toContain(
      `deleted on ${at(30 * day)
        .toISOString()
        .slice(0, 10)} in 30 days unless access is restored`,
    );
  });

  it('keeps the start across a second scan and duplicate events', async () => {
    expect(await scanAndAlert(at(hour))).toEqual([]);
    const handler = createEventHandler(() => world.services);
    const version = world.double.state.versionIds('kv-clock', 'k-sandbox').at(-1) ?? null;
    const event = keyVaultEvent(world.double, 'KeyNearExpiry', 'kv-clock', 'k-sandbox', version) as EventGridEvent;
    await handler(event, context());
    await handler(event, context());
    expect((await environmentsById()).get(ids.sandbox)).toMatchObject({
      lockedSince: start.toISOString(),
      deletionAt: at(7 * day).toISOString(),
    });
  });

  it('reminds both admin lists 3 days and 1 day before deletion, once each', async () => {
    const sandboxDeletion = at(7 * day)
      .toISOString()
      .slice(0, 10);
    const threeDays = await scanAndAlert(at(4 * day + hour));
    expect(subjects(threeDays)).toEqual([
      expect.stringMatching(
        /^\[CMK outage\] 1 environment deleted on \d{4}-\d\d-\d\d in 2 days unless access is restored: key-expired on kv-clock\/k-expired$/,
      ),
      `[CMK outage] 1 environment deleted on ${sandboxDeletion} in 3 days unless access is restored: key-disabled on kv-clock/k-sandbox`,
    ]);
    for (const mail of threeDays) expect(mail.to.sort()).toEqual([...keyvaultAdmins, ...powerplatformAdmins].sort());
    expect(await scanAndAlert(at(4 * day + 2 * hour))).toEqual([]);

    const oneDay = await scanAndAlert(at(6 * day + hour));
    expect(subjects(oneDay)).toEqual([
      expect.stringMatching(
        /^\[CMK outage\] 1 environment deleted on \d{4}-\d\d-\d\d today unless access is restored: key-expired on kv-clock\/k-expired$/,
      ),
      `[CMK outage] 1 environment deleted on ${sandboxDeletion} in 1 day unless access is restored: key-disabled on kv-clock/k-sandbox`,
    ]);
    expect(await scanAndAlert(at(6 * day + 2 * hour))).toEqual([]);
  });

  it('says nothing more about a restored environment but that it is resolved', async () => {
    const version = world.double.state.versionIds('kv-clock', 'k-sandbox').at(-1) ?? '';
    world.double.state.updateKeyVersion('kv-clock', 'k-sandbox', version, { enabled: true });
    const restored = await scanAndAlert(at(6 * day + 3 * hour));
    expect(subjects(restored)).toEqual([
      expect.stringMatching(/^\[CMK resolved\] 1 environment: key-disabled on kv-clock\/k-sandbox cleared/),
    ]);
    expect((await environmentsById()).get(ids.sandbox)).toMatchObject({ lockedSince: null, deletionAt: null });
    expect(await scanAndAlert(at(6 * day + 23 * hour))).toEqual([]);
  });
});

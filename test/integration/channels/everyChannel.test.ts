/**
 * The demo tenant with every channel switched on, as `npm start` runs it: an outage reaches email, Teams, Slack,
 * PagerDuty and the signed webhook once each; clearing it resolves the PagerDuty incident and sends one resolved
 * message per channel; a receiver that is down gets each alert exactly once when it is back.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlertConfig, ChannelChoice } from '../../../shared/config.js';
import { channelDefinitions } from '../../../shared/adapters/channels/index.js';
import { alertView } from '../../../shared/application/views/alertView.js';
import { startChannelReceiver, type Channel, type ChannelReceiver } from '../../../sandbox/channels/receiver.js';
import { cardSchemaErrors } from '../../support/adaptiveCards/schema.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtpSink.js';
import { startWorld, type World } from '../../support/world.js';

const webhookSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const webhookChannels: Channel[] = ['teams', 'slack', 'pagerduty', 'webhook'];
const france = { vault: 'kv-contoso-cmk-eu', key: 'pp-key-france' };
const franceIncident = `key-disabled|${france.vault}|${france.key}`;
const minute = 60_000;

let sink: SmtpSink;
let receiver: ChannelReceiver;
let world: World;

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startChannelReceiver({ webhookSecret });
  const scenario: unknown = JSON.parse(
    await readFile(new URL('../../../sandbox/scenarios/demo.json', import.meta.url), 'utf8'),
  );
  const alerts: AlertConfig = {
    // As ALERT_CHANNELS and the channels' settings would choose them, through the channels' own validation.
    channels: [
      chosen('email', { EMAIL_MIN_SEVERITY: 'info' }),
      chosen('teams', { TEAMS_WEBHOOK_URL: `${receiver.url}/teams/workflows/cmk` }),
      chosen('slack', { SLACK_WEBHOOK_URL: `${receiver.url}/slack/services/T0/B0/token` }),
      chosen('pagerduty', {
        PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY0000000000000000000000',
        PAGERDUTY_EVENTS_URL: `${receiver.url}/pagerduty/v2/enqueue`,
      }),
      chosen('webhook', { WEBHOOK_URL: `${receiver.url}/webhook`, WEBHOOK_SECRET: webhookSecret }),
    ],
    mail: { kind: 'smtp', host: '127.0.0.1', port: sink.port, secure: false, user: null, password: null },
    from: 'cmk-monitor@sandbox.example',
    keyvaultAdmins: ['keyvault-admins@contoso.example'],
    powerplatformAdmins: ['powerplatform-admins@contoso.example'],
    monitorAdmins: [],
    thresholdsDays: [30, 14, 7, 3, 1],
    dashboardUrl: null,
  };
  world = await startWorld(scenario, { alerts });
});
afterEach(() => {
  // Every card Teams received is valid against the Adaptive Card schema of the version it declares.
  for (const message of receiver.received('teams')) {
    for (const { content } of (message.body as { attachments: { content: { version?: unknown } }[] }).attachments)
      expect(cardSchemaErrors(content)).toEqual([]);
  }
});
afterAll(async () => {
  await world?.stop();
  await receiver?.close();
  await sink?.stop();
});

function chosen(name: string, settings: Record<string, string>): ChannelChoice {
  const definition = channelDefinitions.find((candidate) => candidate.name === name);
  if (!definition) throw new Error(`No channel '${name}'`);
  return { name, settings: definition.settings.parse(settings) };
}

async function scanAndAlert(now = new Date()) {
  await world.services.scan(() => undefined, now);
  return world.services.alert(() => undefined, now);
}

/**
 * What each channel received about `problem` (the rule on vault/key, as every channel's title names it); PagerDuty's
 * resolve event carries only the incident id, its dedup_key.
 */
function receivedAbout(problem: string, action: 'trigger' | 'resolve') {
  const about = (text: string) => new RegExp(`${problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(text);
  const mails = sink.received.filter((mail) => about(mail.parsed.subject ?? '')).map((mail) => mail.parsed.subject);
  const posts = Object.fromEntries(
    webhookChannels.map((channel) => [
      channel,
      receiver
        .received(channel)
        .filter((message) => about(JSON.stringify(message.body)))
        .map((message) => message.body),
    ]),
  );
  const incidentId = problem.replace(/^(\S+) on (\S+)\/(\S+)( cleared)?$/, '$1|$2|$3');
  posts.pagerduty = receiver
    .received('pagerduty')
    .map((message) => message.body)
    .filter((event) => matchesObject(event, { event_action: action, dedup_key: incidentId }));
  return { email: mails, ...posts } as Record<'email' | Channel, unknown[]>;
}

function matchesObject(value: unknown, expected: Record<string, string>): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.entries(expected).every(([name, text]) => (value as Record<string, unknown>)[name] === text)
  );
}

const counts = (received: Record<string, unknown[]>) =>
  Object.fromEntries(Object.entries(received).map(([channel, bodies]) => [channel, bodies.length]));

describe('every channel', () => {
  it("brings the demo's outage to email, Teams, Slack, PagerDuty and the signed webhook once each", async () => {
    const run = await scanAndAlert();
    expect(run.failed).toBe(0);
    await scanAndAlert();

    const received = receivedAbout(`key-disabled on ${france.vault}/${france.key}`, 'trigger');
    expect(counts(received)).toEqual({ email: 1, teams: 1, slack: 1, pagerduty: 1, webhook: 1 });
    expect(sink.received.map((mail) => mail.parsed.headers.get('auto-submitted'))).toEqual(
      sink.received.map(() => 'auto-generated'),
    );
    expect(received.pagerduty[0]).toMatchObject({
      event_action: 'trigger',
      dedup_key: franceIncident,
      payload: { severity: 'critical' },
    });
    expect(received.webhook[0]).toMatchObject({
      type: 'cmk-monitor.alert.opened',
      subject: franceIncident,
      data: { severity: 'outage' },
    });
    expect(receiver.incidents().get(franceIncident)).toBe('triggered');
    for (const channel of webhookChannels) expect(receiver.refused(channel), channel).toBe(0);

    const { alerts } = await world.services.stores();
    const alert = (await alerts.list()).map(alertView).find((view) => view.id.startsWith(franceIncident));
    expect(alert?.deliveries.map((delivery) => [delivery.channel, delivery.status, delivery.target])).toEqual([
      ['email', 'sent', '127.0.0.1'],
      ...[...webhookChannels].sort().map((channel) => [channel, 'sent', new URL(receiver.url).host]),
    ]);
  });

  it('resolves the PagerDuty incident and sends one resolved message per channel when the outage clears', async () => {
    world.double.state.updateKeyVersion(france.vault, france.key, undefined, { enabled: true });
    await scanAndAlert();
    await scanAndAlert();

    const resolved = receivedAbout(`key-disabled on ${france.vault}/${france.key} cleared`, 'resolve');
    expect(counts(resolved)).toEqual({ email: 1, teams: 1, slack: 1, pagerduty: 1, webhook: 1 });
    expect(resolved.pagerduty[0]).toMatchObject({ event_action: 'resolve', dedup_key: franceIncident });
    expect(resolved.webhook[0]).toMatchObject({ type: 'cmk-monitor.alert.resolved', subject: franceIncident });
    expect(receiver.incidents().get(franceIncident)).toBe('resolved');
  });

  it('delivers each alert exactly once to a receiver that was down for a while', async () => {
    receiver.clear();
    receiver.setDown(true);
    const start = new Date();
    world.double.state.disableKeyVersion('kv-contoso-cmk-eu', 'pp-key', 1);
    await scanAndAlert(start);
    await scanAndAlert(new Date(start.getTime() + 5 * minute));
    for (const channel of webhookChannels) expect(receiver.received(channel), channel).toEqual([]);

    receiver.setDown(false);
    for (const after of [6, 30, 90, 200]) await scanAndAlert(new Date(start.getTime() + after * minute));

    const received = receivedAbout('key-disabled on kv-contoso-cmk-eu/pp-key', 'trigger');
    expect(counts(received)).toEqual({ email: 1, teams: 1, slack: 1, pagerduty: 1, webhook: 1 });
    expect(receiver.distinctWebhookIds()).toBe(receiver.received('webhook').length);
    for (const channel of webhookChannels) expect(receiver.refused(channel), channel).toBe(0);
    const { alerts } = await world.services.stores();
    const views = (await alerts.list()).map(alertView);
    expect(views.flatMap((alert) => alert.deliveries).filter((delivery) => delivery.status !== 'sent')).toEqual([]);
  });
});

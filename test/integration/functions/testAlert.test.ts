/**
 * POST /api/test-alert through the local function host, against the real receivers: the sandbox's channel receiver
 * (Teams, Slack, PagerDuty, the signed webhook) and an SMTP sink. A test reaches each receiver marked as a test and
 * is recorded nowhere; a receiver's refusal comes back with its status and what to do; a request that names no
 * configured channel, or is not a request at all, is a 400 that echoes nothing it was sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiDefinitions } from '../../../functions/api.js';
import type { HttpFunction } from '../../../sandbox/host/http.js';
import { hostListener } from '../../../sandbox/host/listener.js';
import { startChannelReceiver, type Channel, type ChannelReceiver } from '../../../sandbox/channels/receiver.js';
import { channelDefinitions } from '../../../shared/adapters/channels/index.js';
import { createServices, type Services } from '../../../shared/composition/index.js';
import type { AlertConfig, ChannelChoice } from '../../../shared/config.js';
import { cardSchemaErrors } from '../../support/adaptiveCards/schema.js';
import { startReceiver } from '../../support/receiver.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtpSink.js';
import { startWorld, type World } from '../../support/world.js';

const webhookSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const routingKey = 'R0UT1NGKEY0000000000000000000000';
const posting: Channel[] = ['teams', 'slack', 'pagerduty', 'webhook'];

let sink: SmtpSink;
let receiver: ChannelReceiver;
let world: World;
let alerts: AlertConfig;
let server: Server;
let base: string;
/** The services the host's functions use; a test may swap in services with other channels. */
let current: Services;

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startChannelReceiver({ webhookSecret });
  alerts = {
    channels: [
      chosen('email', { EMAIL_MIN_SEVERITY: 'info' }),
      chosen('teams', { TEAMS_WEBHOOK_URL: `${receiver.url}/teams/workflows/cmk` }),
      chosen('slack', { SLACK_WEBHOOK_URL: `${receiver.url}/slack/services/T0/B0/token` }),
      chosen('pagerduty', {
        PAGERDUTY_ROUTING_KEY: routingKey,
        PAGERDUTY_EVENTS_URL: `${receiver.url}/pagerduty/v2/enqueue`,
      }),
      chosen('webhook', { WEBHOOK_URL: `${receiver.url}/webhook`, WEBHOOK_SECRET: webhookSecret }),
    ],
    mail: { kind: 'smtp', host: '127.0.0.1', port: sink.port, secure: false, user: null, password: null },
    from: 'cmk-monitor@sandbox.example',
    keyvaultAdmins: ['keyvault-admins@contoso.example'],
    powerplatformAdmins: ['powerplatform-admins@contoso.example'],
    monitorAdmins: ['monitor-admins@contoso.example'],
    thresholdsDays: [30, 14, 7, 3, 1],
    dashboardUrl: 'https://cmk.contoso.example/api/dashboard',
  };
  const scenario: unknown = JSON.parse(
    await readFile(new URL('../../../sandbox/scenarios/demo.json', import.meta.url), 'utf8'),
  );
  world = await startWorld(scenario, { alerts });
  current = world.services;
  const functions = apiDefinitions(() => current).flatMap((definition): HttpFunction[] =>
    definition.trigger === 'http' ? [definition] : [],
  );
  server = createServer(hostListener({ http: functions, eventGrid: [] }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterEach(() => {
  current = world.services;
  receiver.setDown(false);
  sink.failWith(null);
  // Every card Teams received is valid against the Adaptive Card schema of the version it declares.
  for (const message of receiver.received('teams')) {
    for (const { content } of (message.body as { attachments: { content: { version?: unknown } }[] }).attachments)
      expect(cardSchemaErrors(content)).toEqual([]);
  }
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await world?.stop();
  await receiver?.close();
  await sink?.stop();
});

function chosen(name: string, settings: Record<string, string>): ChannelChoice {
  const definition = channelDefinitions.find((candidate) => candidate.name === name);
  if (!definition) throw new Error(`No channel '${name}'`);
  return { name, settings: definition.settings.parse(settings) };
}

/** Services over the same world with only these channels, their table writes seen by `world.tables` too. */
function servicesWith(channels: ChannelChoice[]): Services {
  return createServices(
    { ...world.services.config, alerts: { ...alerts, channels } },
    { ca: world.double.ca, tablePolicies: [world.tables.policy] },
  );
}

function testAlert(
  body: string,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}/test-alert?code=k%26ey`, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType, ...headers },
  });
}

/** Each channel's message, as far as its title goes: Teams', Slack's, PagerDuty's event and the CloudEvent. */
interface Titled {
  teams: { attachments: { content: { body: { text: string }[] } }[] };
  slack: { blocks: { text: { text: string } }[] };
  pagerduty: { payload: { summary: string } };
  webhook: { type: string; data: { title: string } };
}

/** What each receiver took that is marked as a test: its title, as the receiver shows it. */
function testTitles(channel: Channel | 'email'): string[] {
  if (channel === 'email')
    return sink.received.map((mail) => mail.parsed.subject ?? '').filter((subject) => subject.startsWith('[CMK test]'));
  const titles = receiver.received(channel).map(({ body }) => {
    if (channel === 'teams') return (body as Titled['teams']).attachments[0]!.content.body[0]!.text;
    if (channel === 'slack') return (body as Titled['slack']).blocks[0]!.text.text;
    if (channel === 'pagerduty') return (body as Titled['pagerduty']).payload.summary;
    const message = body as Titled['webhook'];
    return message.type === 'cmk-monitor.test' ? message.data.title : '';
  });
  return titles.filter((title) => /^\\?\[CMK test\\?\]/.test(title));
}

const host = () => new URL(receiver.url).host;

describe('POST /api/test-alert', () => {
  it.each(['email', ...posting] as const)(
    'sends a message marked as a test through %s, and records nothing',
    async (channel) => {
      const before = await (await fetch(`${base}/alerts`)).json();
      world.tables.reset();

      const reply = await testAlert(JSON.stringify({ channel }));

      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await reply.json()).toEqual({
        channel,
        target: channel === 'email' ? '127.0.0.1' : host(),
        result: 'sent',
      });
      expect(testTitles(channel)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\\\?\\[CMK test\\\\?\\] ${channel} channel test from the CMK monitor, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`,
          ),
        ),
      ]);
      expect(world.tables.writes).toEqual([]);
      expect(await (await fetch(`${base}/alerts`)).json()).toEqual(before);
    },
  );

  it('says who sent it, what it tests and when, and nothing of any environment, key or vault', async () => {
    for (const channel of ['email', ...posting]) await testAlert(JSON.stringify({ channel }));

    const mail = sink.received.at(-1);
    expect(mail?.to.sort()).toEqual([
      'keyvault-admins@contoso.example',
      'monitor-admins@contoso.example',
      'powerplatform-admins@contoso.example',
    ]);
    expect(mail?.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail?.parsed.text).toMatch(/^TEST MESSAGE: nothing is wrong/);
    expect(mail?.parsed.text).toContain('Channel: email');
    expect(mail?.parsed.html).toContain('TEST MESSAGE');
    expect(receiver.received('pagerduty').at(-1)?.body).toMatchObject({
      event_action: 'trigger',
      payload: { severity: 'info', class: 'test', source: 'cmk-monitor' },
    });
    expect(receiver.received('webhook').at(-1)?.body).toMatchObject({
      type: 'cmk-monitor.test',
      data: { channel: 'webhook' },
    });
    const everything = JSON.stringify([
      mail?.parsed.text,
      ...posting.map((channel) => receiver.received(channel).at(-1)?.body),
    ]);
    expect(everything).toContain('POST /api/test-alert');
    expect(everything).not.toMatch(/kv-contoso|pp-key|\(prod\)/i);
  });

  it('leaves every real alert to go out afterwards on every channel, the PagerDuty incident included', async () => {
    for (const channel of ['email', ...posting]) await testAlert(JSON.stringify({ channel }));
    const tests = posting.map((channel) => receiver.received(channel).length);

    await world.services.scan(() => undefined);
    const run = await world.services.alert(() => undefined);

    expect(run).toMatchObject({ failed: 0, waiting: 0 });
    expect(run.sent).toBeGreaterThan(0);
    posting.forEach((channel, index) =>
      expect(receiver.received(channel).length, channel).toBeGreaterThan(tests[index] ?? 0),
    );
    expect(receiver.incidents().get('key-disabled|kv-contoso-cmk-eu|pp-key-france')).toBe('triggered');
  });

  it('answers a form post from the dashboard with a page, and sends the test', async () => {
    const before = testTitles('slack').length;
    const reply = await testAlert('channel=slack', 'application/x-www-form-urlencoded', { accept: 'text/html' });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-/);
    const page = await reply.text();
    expect(page).toContain('<h1>Test alert sent through slack</h1>');
    expect(page).toContain(`went to ${host()}`);
    expect(page).toContain('<a href="/api/dashboard?code=k%26ey" id="back">');
    expect(testTitles('slack')).toHaveLength(before + 1);
  });

  it("returns a receiver's refusal with its status and what to do, and records nothing", async () => {
    current = servicesWith([
      chosen('teams', { TEAMS_WEBHOOK_URL: `${receiver.url}/deleted-flow/teams` }),
      chosen('slack', { SLACK_WEBHOOK_URL: `${receiver.url}/slack/services/T0/B0/archivedtoken` }),
      chosen('pagerduty', {
        PAGERDUTY_ROUTING_KEY: routingKey,
        PAGERDUTY_EVENTS_URL: `${receiver.url}/pagerduty/v1/enqueue`,
      }),
      chosen('webhook', {
        WEBHOOK_URL: `${receiver.url}/webhook`,
        WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 8).toString('base64')}`,
      }),
    ]);
    world.tables.reset();
    const answers = [];
    for (const channel of posting) {
      const reply = await testAlert(JSON.stringify({ channel }));
      expect(reply.status).toBe(200);
      answers.push(await reply.json());
    }

    expect(answers).toEqual([
      {
        channel: 'teams',
        target: host(),
        result: 'refused',
        status: 404,
        reason: 'the webhook URL no longer exists: create a new one in Teams Workflows and set TEAMS_WEBHOOK_URL',
      },
      {
        channel: 'slack',
        target: host(),
        result: 'refused',
        status: 410,
        reason:
          "the webhook's Slack channel is archived (channel_is_archived): unarchive it, or create a webhook for another channel and set SLACK_WEBHOOK_URL",
      },
      {
        channel: 'pagerduty',
        target: host(),
        result: 'refused',
        status: 404,
        reason:
          'PAGERDUTY_EVENTS_URL is not the Events API v2: set https://events.pagerduty.com/v2/enqueue (https://events.eu.pagerduty.com/v2/enqueue for an EU account)',
      },
      {
        channel: 'webhook',
        target: host(),
        result: 'refused',
        status: 401,
        reason: 'the receiver did not accept the signature: give it the same secret as WEBHOOK_SECRET',
      },
    ]);
    expect(receiver.refused('slack')).toBeGreaterThan(0);
    expect(receiver.refused('webhook')).toBeGreaterThan(0);
    expect(world.tables.writes).toEqual([]);
  });

  it('returns a refused mail, and a receiver that is down, as a real alert would fare', async () => {
    sink.failWith(550);
    const mail = await (await testAlert(JSON.stringify({ channel: 'email' }))).json();
    expect(mail).toMatchObject({
      channel: 'email',
      target: '127.0.0.1',
      result: 'refused',
      reason: expect.stringMatching(
        /^the mail service refused the message \(SMTP \w+ 550: .*\): check MAIL_FROM/,
      ) as unknown,
    });

    receiver.setDown(true);
    const down = await (await testAlert(JSON.stringify({ channel: 'teams' }))).json();
    expect(down).toEqual({
      channel: 'teams',
      target: host(),
      result: 'unreachable',
      status: 503,
      reason: 'Teams is busy or failing (503) (service unavailable): alerts wait and are sent again; try again later',
    });
  });

  it("answers within the channel's timeout when nobody answers, saying why", { timeout: 30_000 }, async () => {
    const silent = await startReceiver(() => undefined);
    const gone = await startReceiver(() => undefined);
    await gone.stop();
    try {
      current = servicesWith([
        chosen('teams', { TEAMS_WEBHOOK_URL: `${silent.url}/teams/workflows/cmk` }),
        chosen('slack', { SLACK_WEBHOOK_URL: `${gone.url}/slack/services/T0/B0/token` }),
      ]);
      const refused = await (await testAlert(JSON.stringify({ channel: 'slack' }))).json();
      expect(refused).toEqual({
        channel: 'slack',
        target: new URL(gone.url).host,
        result: 'unreachable',
        reason:
          'no answer from Slack (ECONNREFUSED): check SLACK_WEBHOOK_URL and that the function app can reach its host (DNS, firewall, outbound network)',
      });

      const started = Date.now();
      const hung = await (await testAlert(JSON.stringify({ channel: 'teams' }))).json();
      expect(Date.now() - started).toBeLessThan(17_000);
      expect(hung).toEqual({
        channel: 'teams',
        target: new URL(silent.url).host,
        result: 'unreachable',
        reason:
          'no answer from Teams (timed out after 15 s): check TEAMS_WEBHOOK_URL and that the function app can reach its host (DNS, firewall, outbound network)',
      });
    } finally {
      await silent.stop();
    }
  });

  it('refuses a channel that is not configured with 400, naming those that are', async () => {
    current = servicesWith([
      chosen('teams', { TEAMS_WEBHOOK_URL: `${receiver.url}/teams/workflows/cmk` }),
      chosen('webhook', { WEBHOOK_URL: `${receiver.url}/webhook`, WEBHOOK_SECRET: webhookSecret }),
    ]);
    const reply = await testAlert(JSON.stringify({ channel: 'slack' }));

    expect(reply.status).toBe(400);
    expect(await reply.json()).toEqual({
      error: {
        code: 'BadRequest',
        message: 'channel: expected one of the channels ALERT_CHANNELS configures: teams, webhook',
      },
    });
  });

  it('refuses hostile and malformed requests with 400 or 415, echoing nothing and sending nothing', async () => {
    const received = () => [sink.received.length, ...posting.map((channel) => receiver.received(channel).length)];
    const before = received();
    const hostile = '<script>alert(1)</script>';

    const json = await testAlert(JSON.stringify({ channel: hostile }));
    expect(json.status).toBe(400);
    const jsonText = await json.text();
    expect(JSON.parse(jsonText)).toEqual({
      error: {
        code: 'BadRequest',
        message:
          'channel: expected one of the channels ALERT_CHANNELS configures: email, teams, slack, pagerduty, webhook',
      },
    });
    expect(jsonText).not.toMatch(/script|alert\(1\)/);

    const form = await testAlert(
      new URLSearchParams({ channel: hostile }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(form.status).toBe(400);
    expect(form.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await form.text();
    expect(page).toContain(
      '<p class="banner" role="alert" id="refusal">channel: expected one of the channels ALERT_CHANNELS configures: email, teams, slack, pagerduty, webhook</p>',
    );
    expect(page).not.toMatch(/<script|alert\(1\)/);

    const cases: [string, string, number, string][] = [
      ['{"channel":', 'application/json', 400, 'The body is not valid JSON.'],
      ['{}', 'application/json', 400, 'channel: expected the name of a channel'],
      ['{"channel":["teams"]}', 'application/json', 400, 'channel: expected the name of a channel'],
      ['["teams"]', 'application/json', 400, '(root): expected an object such as {"channel": "teams"}'],
      [`{"channel":"${'x'.repeat(41)}"}`, 'application/json', 400, 'channel: expected at most 40 characters'],
      ['channel=teams&channel=slack', 'application/x-www-form-urlencoded', 400, 'channel: expected one channel'],
      ['teams', 'text/plain', 415, 'The body must be application/json or application/x-www-form-urlencoded.'],
    ];
    for (const [body, contentType, status, message] of cases) {
      const reply = await testAlert(body, contentType);
      expect(reply.status, body).toBe(status);
      const answer = await reply.text();
      if (contentType === 'application/x-www-form-urlencoded')
        expect(answer, body).toContain(`id="refusal">${message}</p>`);
      else expect((JSON.parse(answer) as { error: { message: string } }).error.message, body).toBe(message);
    }
    const get = await fetch(`${base}/test-alert`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(received()).toEqual(before);
  });
});

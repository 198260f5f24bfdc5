import { createHmac, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startChannelReceiver, type ChannelReceiver } from '../../../sandbox/channels/receiver.js';
import { verifyStandardWebhook } from '../../../sandbox/channels/signedWebhook.js';

const secretKey = randomBytes(32);
const secret = `whsec_${secretKey.toString('base64')}`;
let clock = new Date('2026-03-01T12:00:00Z');
let receiver: ChannelReceiver;

beforeAll(async () => {
  receiver = await startChannelReceiver({ webhookSecret: secret, now: () => clock });
});
afterAll(() => receiver?.close());
beforeEach(() => {
  receiver.clear();
  receiver.setDown(false);
  clock = new Date('2026-03-01T12:00:00Z');
});

const json = { 'content-type': 'application/json' };
const post = (path: string, body: string, headers: Record<string, string> = json) =>
  fetch(`${receiver.url}${path}`, { method: 'POST', body, headers });
const postJson = (path: string, body: unknown) => post(path, JSON.stringify(body));

async function answer(response: Response): Promise<{ status: number; type: string | null; text: string }> {
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('the Teams Workflows webhook', () => {
  const path = '/teams/workflows/abc123/triggers/manual/paths/invoke';
  const card = (content: Record<string, unknown> = {}) => ({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          version: '1.4',
          body: [{ type: 'TextBlock', text: 'Key expires soon', wrap: true }],
          ...content,
        },
      },
    ],
  });
  const refusal = async (response: Response) => {
    const { status, text } = await answer(response);
    return { status, error: (JSON.parse(text) as { error: { code: string } }).error.code };
  };

  it('accepts a message with an Adaptive Card: 202 and an empty body', async () => {
    const response = await postJson(path, card());
    expect(await answer(response)).toEqual({ status: 202, type: null, text: '' });
    expect(receiver.received('teams')).toMatchObject([{ channel: 'teams', path, body: card() }]);
  });

  it.each([
    ['a body that is not JSON', () => post(path, '{"type":'), 'InvalidRequestContent'],
    [
      'a content type other than JSON',
      () => post(path, JSON.stringify(card()), { 'content-type': 'text/plain' }),
      'InvalidRequestContent',
    ],
    ['no attachments', () => postJson(path, { type: 'message', attachments: [] }), 'TriggerInputSchemaMismatch'],
    [
      'a card that is not an AdaptiveCard',
      () => postJson(path, card({ type: 'MessageCard' })),
      'TriggerInputSchemaMismatch',
    ],
    ['a card version above 1.5', () => postJson(path, card({ version: '1.6' })), 'TriggerInputSchemaMismatch'],
    [
      'a card body that is not an array',
      () => postJson(path, card({ body: { type: 'TextBlock' } })),
      'TriggerInputSchemaMismatch',
    ],
    [
      'an element without a type',
      () => postJson(path, card({ body: [{ text: 'untyped' }] })),
      'TriggerInputSchemaMismatch',
    ],
    [
      'a nested element without a type',
      () => postJson(path, card({ body: [{ type: 'Container', items: [{ text: 'untyped' }] }] })),
      'TriggerInputSchemaMismatch',
    ],
    [
      'a message over 28 KB',
      () => postJson(path, card({ body: [{ type: 'TextBlock', text: 'x'.repeat(28 * 1024) }] })),
      'MessageSizeExceeded',
    ],
  ])('refuses %s with 400', async (_name, send, code) => {
    expect(await refusal(await send())).toEqual({ status: 400, error: code });
    expect(receiver.received('teams')).toEqual([]);
    expect(receiver.refused('teams')).toBe(1);
  });
});

describe('the Slack incoming webhook', () => {
  const path = '/slack/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX';
  const section = (text: string) => ({ type: 'section', text: { type: 'plain_text', text } });

  it('accepts Block Kit with a fallback text: 200 ok, as text/html', async () => {
    const message = {
      text: 'Key expires soon',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Key expires soon' } }, section('In 3 days')],
    };
    expect(await answer(await postJson(path, message))).toEqual({ status: 200, type: 'text/html', text: 'ok' });
    expect(receiver.received('slack')).toMatchObject([{ body: message }]);
  });

  it('accepts the form-encoded payload field too', async () => {
    const response = await post(path, new URLSearchParams({ payload: JSON.stringify({ text: 'hello' }) }).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(await answer(response)).toMatchObject({ status: 200, text: 'ok' });
  });

  it.each([
    ['a body that is not JSON', () => post(path, 'text=hello'), 400, 'invalid_payload'],
    ['neither text nor blocks', () => postJson(path, { username: 'monitor' }), 400, 'no_text'],
    [
      'blocks that are not an array',
      () => postJson(path, { text: 'x', blocks: section('x') }),
      400,
      'invalid_blocks_format',
    ],
    [
      'more than 50 blocks',
      () => postJson(path, { text: 'x', blocks: Array.from({ length: 51 }, () => section('x')) }),
      400,
      'invalid_blocks',
    ],
    [
      'a section text over 3,000 characters',
      () => postJson(path, { text: 'x', blocks: [section('x'.repeat(3_001))] }),
      400,
      'invalid_blocks',
    ],
    [
      'a header text over 150 characters',
      () =>
        postJson(path, {
          text: 'x',
          blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
        }),
      400,
      'invalid_blocks',
    ],
    [
      'a header in mrkdwn',
      () => postJson(path, { text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: '*x*' } }] }),
      400,
      'invalid_blocks',
    ],
    [
      'an unknown block type',
      () => postJson(path, { text: 'x', blocks: [{ type: 'banner', text: 'x' }] }),
      400,
      'invalid_blocks',
    ],
    ['a hook that does not exist', () => postJson('/slack/services/nope', { text: 'x' }), 404, 'no_service'],
    ['a removed hook', () => postJson('/slack/services/T0001/B0001/revokedXXXX', { text: 'x' }), 404, 'no_service'],
    [
      'a hook whose channel is archived',
      () => postJson('/slack/services/T0001/B0001/archivedXXXX', { text: 'x' }),
      410,
      'channel_is_archived',
    ],
  ])('refuses %s', async (_name, send, status, error) => {
    expect(await answer(await send())).toEqual({ status, type: 'text/html', text: error });
    expect(receiver.received('slack')).toEqual([]);
  });
});

describe('PagerDuty Events API v2', () => {
  const path = '/pagerduty/v2/enqueue';
  const routingKey = 'R0123456789abcdef0123456789abcde';
  const trigger = (dedupKey: string) => ({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: 'Key vault kv-prod is unreachable',
      source: 'kv-prod/cmk',
      severity: 'critical',
      timestamp: '2026-03-01T11:59:00Z',
      custom_details: { environments: 3 },
    },
    client: 'CMK monitor',
    links: [{ href: 'https://monitor.example/', text: 'Open the dashboard' }],
  });
  const resolve = (dedupKey: string) => ({ routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey });
  const invalid = (...errors: string[]) => ({ status: 'invalid event', message: 'Event object is invalid', errors });

  it('accepts a trigger: 202 Event processed with its dedup_key', async () => {
    const response = await postJson(path, trigger('incident-1'));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'incident-1' });
  });

  it('opens an alert, joins a repeated trigger to it, resolves it, then drops a late resolve', async () => {
    await postJson(path, trigger('incident-1'));
    await postJson(path, trigger('incident-1'));
    expect(receiver.incidents()).toEqual(new Map([['incident-1', 'triggered']]));
    expect((await postJson(path, resolve('incident-1'))).status).toBe(202);
    expect(receiver.incidents()).toEqual(new Map([['incident-1', 'resolved']]));
    expect((await postJson(path, resolve('incident-1'))).status).toBe(202);
    expect(receiver.received('pagerduty').map((message) => message.outcome)).toEqual([
      'opened',
      'deduplicated',
      'resolved',
      'dropped',
    ]);
  });

  it('makes up a dedup_key for a trigger without one', async () => {
    const { dedup_key: _omitted, ...event } = trigger('x');
    const body = (await (await postJson(path, event)).json()) as { dedup_key: string };
    expect(body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(receiver.incidents().get(body.dedup_key)).toBe('triggered');
  });

  it.each([
    [
      'a routing key that is not 32 characters',
      { ...trigger('a'), routing_key: 'short' },
      invalid("Length of 'routing_key' is incorrect (should be 32 characters)"),
    ],
    [
      'an unknown severity',
      { ...trigger('a'), payload: { ...trigger('a').payload, severity: 'CRITICAL' } },
      invalid("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"),
    ],
    [
      'a trigger without a summary',
      { ...trigger('a'), payload: { source: 's', severity: 'info' } },
      invalid("'payload.summary' is missing or blank"),
    ],
    [
      'a summary over 1,024 characters',
      { ...trigger('a'), payload: { ...trigger('a').payload, summary: 'x'.repeat(1_025) } },
      invalid("'payload.summary' is too long (maximum is 1024 characters)"),
    ],
    [
      'a trigger without a payload',
      { routing_key: routingKey, event_action: 'trigger' },
      invalid("'payload' is missing or blank"),
    ],
    [
      'a resolve without a dedup_key',
      { routing_key: routingKey, event_action: 'resolve' },
      invalid("'dedup_key' is missing or blank"),
    ],
    [
      'a dedup_key over 255 characters',
      resolve('k'.repeat(256)),
      invalid("'dedup_key' is too long (maximum is 255 characters)"),
    ],
    [
      'an unknown event_action',
      { ...resolve('a'), event_action: 'snooze' },
      invalid("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"),
    ],
  ])('refuses %s with 400 and its reason', async (_name, event, expected) => {
    const response = await postJson(path, event);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(expected);
    expect(receiver.incidents().size).toBe(0);
  });

  it('refuses a body that is not JSON as an unrecognized object', async () => {
    const response = await post(path, '{"routing_key":');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      status: 'Unrecognized object',
      message: 'Event object format is unrecognized',
      errors: ['JSON parse error'],
    });
  });
});

describe('the signed webhook', () => {
  const event = (id: string) =>
    JSON.stringify({
      specversion: '1.0',
      id,
      source: '/cmk-monitor',
      type: 'cmk-monitor.alert.opened',
      time: clock.toISOString(),
      datacontenttype: 'application/json',
      data: { title: 'Key expires soon' },
    });
  const cloudEvents = 'application/cloudevents+json; charset=utf-8';
  /** Signs as Standard Webhooks do, independently of the receiver's code. */
  const signed = (id: string, body: string, key: Buffer = secretKey, at: Date = clock) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    return {
      'content-type': cloudEvents,
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${signature}`,
    };
  };

  it('accepts a signed CloudEvent: 204', async () => {
    const body = event('alert-1');
    const response = await post('/webhook', body, signed('alert-1', body));
    expect(await answer(response)).toEqual({ status: 204, type: null, text: '' });
    expect(receiver.received('webhook')).toMatchObject([
      { webhookId: 'alert-1', duplicate: false, body: JSON.parse(body) as object },
    ]);
  });

  it('accepts a repeated webhook-id, marked as a duplicate, and counts distinct ids', async () => {
    const body = event('alert-1');
    await post('/webhook', body, signed('alert-1', body));
    clock = new Date(clock.getTime() + 60_000);
    expect((await post('/webhook', body, signed('alert-1', body))).status).toBe(204);
    expect(receiver.received('webhook').map((message) => message.duplicate)).toEqual([false, true]);
    expect(receiver.distinctWebhookIds()).toBe(1);
  });

  it('takes any one matching signature of a space-separated list', async () => {
    const body = event('alert-2');
    const headers = signed('alert-2', body);
    const stale = signed('alert-2', body, randomBytes(32))['webhook-signature'];
    expect(
      (
        await post('/webhook', body, {
          ...headers,
          'webhook-signature': `${stale} v1a,abc= ${headers['webhook-signature']}`,
        })
      ).status,
    ).toBe(204);
  });

  it.each([
    [
      'a tampered body',
      () => post('/webhook', event('alert-1').replace('soon', 'late'), signed('alert-1', event('alert-1'))),
    ],
    [
      'a tampered id',
      () => post('/webhook', event('alert-1'), { ...signed('alert-1', event('alert-1')), 'webhook-id': 'alert-2' }),
    ],
    [
      'a timestamp over 5 minutes old',
      () =>
        post(
          '/webhook',
          event('alert-1'),
          signed('alert-1', event('alert-1'), secretKey, new Date(clock.getTime() - 301_000)),
        ),
    ],
    [
      'a timestamp over 5 minutes ahead',
      () =>
        post(
          '/webhook',
          event('alert-1'),
          signed('alert-1', event('alert-1'), secretKey, new Date(clock.getTime() + 301_000)),
        ),
    ],
    [
      'the wrong secret',
      () => post('/webhook', event('alert-1'), signed('alert-1', event('alert-1'), randomBytes(32))),
    ],
    [
      'the secret text itself as the key',
      () => post('/webhook', event('alert-1'), signed('alert-1', event('alert-1'), Buffer.from(secret))),
    ],
    ['no signature', () => post('/webhook', event('alert-1'), { 'content-type': cloudEvents })],
    [
      'a signature that is not v1',
      () =>
        post('/webhook', event('alert-1'), { ...signed('alert-1', event('alert-1')), 'webhook-signature': 'v2,abc=' }),
    ],
  ])('refuses %s with 401', async (_name, send) => {
    expect((await send()).status).toBe(401);
    expect(receiver.received('webhook')).toEqual([]);
  });

  it('refuses another content type with 415', async () => {
    const body = event('alert-1');
    expect(
      (await post('/webhook', body, { ...signed('alert-1', body), 'content-type': 'application/json' })).status,
    ).toBe(415);
  });

  it.each([
    ['no specversion', { id: 'a', source: '/s', type: 't' }],
    ['specversion 0.3', { specversion: '0.3', id: 'a', source: '/s', type: 't' }],
    ['an empty id', { specversion: '1.0', id: '', source: '/s', type: 't' }],
    ['no source', { specversion: '1.0', id: 'a', type: 't' }],
    ['no type', { specversion: '1.0', id: 'a', source: '/s' }],
  ])('refuses a signed event with %s with 400', async (_name, attributes) => {
    const body = JSON.stringify(attributes);
    expect((await post('/webhook', body, signed('alert-1', body))).status).toBe(400);
  });

  it('exports the verifier, which takes a plain-text secret as its UTF-8 bytes', () => {
    const body = event('alert-9');
    const plain = 'a plain secret of more than 32 bytes';
    const headers = signed('alert-9', body, Buffer.from(plain));
    expect(verifyStandardWebhook(plain, headers, body, clock)).toEqual({
      ok: true,
      id: 'alert-9',
      timestamp: Math.floor(clock.getTime() / 1000),
    });
    expect(verifyStandardWebhook(secret, headers, body, clock).ok).toBe(false);
    expect(verifyStandardWebhook(plain, headers, Buffer.from(body), new Date(clock.getTime() + 600_000)).ok).toBe(
      false,
    );
  });
});

describe('the receiver', () => {
  it('answers 503 on every route while down, and takes the retried alert exactly once when back', async () => {
    receiver.setDown(true);
    const message = { text: 'Key expires soon' };
    const slack = '/slack/services/T0001/B0001/XXXXXXXX';
    expect((await postJson(slack, message)).status).toBe(503);
    expect((await postJson('/pagerduty/v2/enqueue', {})).status).toBe(503);
    expect((await fetch(`${receiver.url}/`)).status).toBe(503);
    expect((await fetch(`${receiver.url}/nowhere`)).status).toBe(503);
    receiver.setDown(false);
    expect((await postJson(slack, message)).status).toBe(200);
    expect(receiver.received('slack')).toHaveLength(1);
    expect(receiver.refused('slack')).toBe(0);
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    expect((await postJson('/teams/', {})).status).toBe(404);
    expect((await postJson('/pagerduty/v1/enqueue', {})).status).toBe(404);
    const get = await fetch(`${receiver.url}/pagerduty/v2/enqueue`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const del = await fetch(`${receiver.url}/api/messages`, { method: 'DELETE' });
    expect([del.status, del.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const response = await post('/pagerduty/v2/enqueue', 'x'.repeat(1024 * 1024 + 1));
    expect(response.status).toBe(413);
    expect(receiver.refused('pagerduty')).toBe(1);
  });

  it('survives a malformed request line and a request in absolute form', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(receiver.url).port), '127.0.0.1', () => socket.end(text));
        let reply = '';
        socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
        socket.on('close', () => resolve(reply));
        socket.on('error', () => resolve(reply));
      });
    await raw('\u0000\u0001 garbage\r\n\r\n');
    expect(await raw('GET http://elsewhere.example/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 404/,
    );
    expect((await fetch(`${receiver.url}/api/messages`)).status).toBe(200);
  });

  it('shows what each channel received, newest first and escaped, under a strict CSP', async () => {
    const slack = '/slack/services/T0001/B0001/XXXXXXXX';
    await postJson(slack, { text: 'first' });
    await postJson(slack, { text: '<script>alert("x")</script>' });
    const page = await fetch(`${receiver.url}/`);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const html = await page.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;');
    expect(html.indexOf('&lt;script&gt;')).toBeLessThan(html.indexOf('first'));
    const api = (await (await fetch(`${receiver.url}/api/messages`)).json()) as {
      channels: { slack: { body: { text: string } }[] };
      refused: Record<string, number>;
    };
    expect(api.channels.slack.map((message) => message.body.text)).toEqual(['<script>alert("x")</script>', 'first']);
    expect(api.refused).toEqual({ teams: 0, slack: 0, pagerduty: 0, webhook: 0 });
  });
});

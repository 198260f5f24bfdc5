/**
 * One local HTTP server that plays the receivers of the four alert channels, as strictly as the real services:
 * a Teams Workflows webhook (`POST /teams/<anything>`), a Slack incoming webhook (`POST /slack/services/<T>/<B>/<token>`),
 * PagerDuty Events API v2 (`POST /pagerduty/v2/enqueue`) and our signed CloudEvents webhook (`POST /webhook`).
 * `GET /` shows what each one accepted, newest first, like a mail catcher; `GET /api/messages` gives the same as JSON.
 * Each service's rules, and where they come from, are in its own module.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import escapeHtml from 'escape-html';
import { pagerDutyReceiver } from './pagerDuty.js';
import { signedWebhookReceiver } from './signedWebhook.js';
import { receiveSlack } from './slack.js';
import { receiveTeams } from './teams.js';
import { closeServer, drain, pathOf, readBody, type BodyLimits } from '../requests.js';

export const channels = ['teams', 'slack', 'pagerduty', 'webhook'] as const;
export type Channel = (typeof channels)[number];
export type PagerDutyOutcome = 'opened' | 'deduplicated' | 'acknowledged' | 'resolved' | 'dropped';

export interface ReceivedMessage {
  channel: Channel;
  receivedAt: Date;
  path: string;
  /** The parsed body: the Teams message, the Slack message, the PagerDuty event, the CloudEvent. */
  body: unknown;
  /** PagerDuty: what the event did to the alert its dedup_key names. */
  outcome?: PagerDutyOutcome;
  /** Webhook: the `webhook-id`, and whether an accepted message already carried it. */
  webhookId?: string;
  duplicate?: boolean;
}

/** A request as a service sees it: the whole body, read once. */
export interface ChannelRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  now: Date;
}

/** A service's answer; `accepted` when the message is one the service takes. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  accepted?: Pick<ReceivedMessage, 'body' | 'outcome' | 'webhookId' | 'duplicate'>;
}

export interface ChannelReceiverOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The webhook channel's signing secret: `whsec_<base64>` or plain text. */
  webhookSecret: string;
  now?: () => Date;
}

export interface ChannelReceiver {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  close(): Promise<void>;
  /** What a channel accepted, oldest first (a copy). */
  received(channel: Channel): ReceivedMessage[];
  /** How many requests a channel's route refused (any answer but 2xx, except 503 while down). */
  refused(channel: Channel): number;
  /** PagerDuty's alerts by dedup_key. */
  incidents(): Map<string, 'triggered' | 'resolved'>;
  /** How many different `webhook-id`s the webhook channel accepted. */
  distinctWebhookIds(): number;
  /** While down, every request is answered 503. */
  setDown(down: boolean): void;
  clear(): void;
}

const maxBodyBytes = 1024 * 1024;
const limits: BodyLimits = { maxBodyBytes, maxDrainBytes: 16 * maxBodyBytes };

type Route = { methods: string[]; matches: (path: string) => boolean } & (
  { channel: Channel } | { page: 'html' | 'json' }
);

const routes: Route[] = [
  { methods: ['GET'], matches: (path) => path === '/', page: 'html' },
  { methods: ['GET'], matches: (path) => path === '/api/messages', page: 'json' },
  {
    methods: ['POST'],
    matches: (path) => path.startsWith('/teams/') && path.length > '/teams/'.length,
    channel: 'teams',
  },
  { methods: ['POST'], matches: (path) => path.startsWith('/slack/'), channel: 'slack' },
  { methods: ['POST'], matches: (path) => path === '/pagerduty/v2/enqueue', channel: 'pagerduty' },
  { methods: ['POST'], matches: (path) => path === '/webhook', channel: 'webhook' },
];

export async function startChannelReceiver(options: ChannelReceiverOptions): Promise<ChannelReceiver> {
  const now = options.now ?? (() => new Date());
  const pagerDuty = pagerDutyReceiver();
  const webhook = signedWebhookReceiver(options.webhookSecret);
  const services: Record<Channel, (request: ChannelRequest) => Answer> = {
    teams: receiveTeams,
    slack: receiveSlack,
    pagerduty: (request) => pagerDuty.receive(request),
    webhook: (request) => webhook.receive(request),
  };
  const received: ReceivedMessage[] = [];
  const refusals = new Map<Channel, number>();
  let down = false;

  const state = { received, refusals, pagerDuty, webhook };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, { status: 500, body: 'internal error' }));
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => undefined);
    const path = pathOf(req.url);
    if (down) return drainThen(req, res, { status: 503, headers: { 'retry-after': '1' }, body: 'service unavailable' });
    const route = path === null ? undefined : routes.find((candidate) => candidate.matches(path));
    if (!route || path === null) return drainThen(req, res, { status: 404, body: 'not found' });
    if (!route.methods.includes(req.method ?? ''))
      return drainThen(req, res, {
        status: 405,
        headers: { allow: route.methods.join(', ') },
        body: 'method not allowed',
      });
    if ('page' in route) return drainThen(req, res, route.page === 'html' ? htmlPage(state) : jsonPage(state));
    const body = await readBody(req, limits);
    const answer =
      body === null
        ? { status: 413, body: 'request body over 1 MiB' }
        : services[route.channel]({ path, headers: req.headers, body, now: now() });
    record(route.channel, path, answer);
    send(res, answer);
  }

  function record(channel: Channel, path: string, answer: Answer): void {
    if (answer.status >= 200 && answer.status < 300 && answer.accepted)
      received.push({ channel, receivedAt: now(), path, ...answer.accepted });
    else refusals.set(channel, (refusals.get(channel) ?? 0) + 1);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server),
    received: (channel) => received.filter((message) => message.channel === channel),
    refused: (channel) => refusals.get(channel) ?? 0,
    incidents: () => pagerDuty.incidents(),
    distinctWebhookIds: () => webhook.distinctIds(),
    setDown: (value) => {
      down = value;
    },
    clear: () => {
      received.length = 0;
      refusals.clear();
      pagerDuty.clear();
      webhook.clear();
    },
  };
}

function drainThen(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  drain(req, limits, () => send(res, answer));
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const text = answer.body ?? '';
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', ...answer.headers };
  if (!answer.body) delete headers['content-type'];
  if (answer.status !== 204) headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(answer.status, headers);
  res.end(text);
}

interface View {
  received: ReceivedMessage[];
  refusals: Map<Channel, number>;
  pagerDuty: { incidents(): Map<string, 'triggered' | 'resolved'> };
  webhook: { distinctIds(): number };
}

/** Everything the page shows, newest first. */
function snapshot(view: View): object {
  const newestFirst = [...view.received].reverse();
  return {
    channels: Object.fromEntries(
      channels.map((channel) => [channel, newestFirst.filter((message) => message.channel === channel)]),
    ),
    refused: Object.fromEntries(channels.map((channel) => [channel, view.refusals.get(channel) ?? 0])),
    incidents: Object.fromEntries(view.pagerDuty.incidents()),
    distinctWebhookIds: view.webhook.distinctIds(),
  };
}

function jsonPage(view: View): Answer {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: stringify(snapshot(view), 0),
  };
}

const csp = "default-src 'none'; style-src 'unsafe-inline'";
const style =
  'body{font:14px system-ui,sans-serif;margin:2em;color:#222}h2{margin-top:2em}pre{background:#f5f5f5;padding:.6em;overflow:auto;max-height:24em}.meta{color:#666}';

function htmlPage(view: View): Answer {
  const incidents = [...view.pagerDuty.incidents()]
    .map(([key, state]) => `<li><code>${escapeHtml(key)}</code>: ${escapeHtml(state)}</li>`)
    .join('');
  const sections = channels.map((channel) => channelSection(channel, view)).join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Channel receiver</title><style>${style}</style></head><body>
<h1>Channel receiver</h1>
<p class="meta">PagerDuty alerts: ${incidents ? `</p><ul>${incidents}</ul>` : 'none</p>'}
<p class="meta">Distinct webhook ids: ${escapeHtml(String(view.webhook.distinctIds()))}</p>${sections}</body></html>`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    },
    body: html,
  };
}

function channelSection(channel: Channel, view: View): string {
  const messages = view.received.filter((message) => message.channel === channel).reverse();
  const items = messages.map((message) => {
    const facts = [
      message.receivedAt.toISOString(),
      message.path,
      message.outcome,
      message.webhookId,
      message.duplicate ? 'duplicate' : undefined,
    ].filter((fact) => fact !== undefined);
    return `<li><p class="meta">${facts.map((fact) => escapeHtml(fact)).join(' · ')}</p><pre>${escapeHtml(stringify(message.body, 2))}</pre></li>`;
  });
  const refused = escapeHtml(String(view.refusals.get(channel) ?? 0));
  return `<h2>${escapeHtml(channel)}</h2><p class="meta">${messages.length} accepted, ${refused} refused</p>${items.length ? `<ol>${items.join('')}</ol>` : ''}`;
}

/** JSON text, or a note when a value nests too deeply to serialize. */
function stringify(value: unknown, indent: number): string {
  try {
    return JSON.stringify(value, null, indent) ?? 'null';
  } catch {
    return '"(too deeply nested to show)"';
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, TransientDeliveryError } from '../../../shared/application/ports/notifier.js';
import { channelDefinitions } from '../../../shared/adapters/channels/index.js';
import { post, unansweredWaitMs } from '../../../shared/adapters/channels/post.js';
import type { Notice } from '../../../shared/domain/alerts/notice.js';
import type { AlertConfig } from '../../../shared/config.js';
import { startReceiver } from '../../support/receiver.js';
import { incident, now } from '../../unit/alerts/builders.js';

let receiver: { url: string; stop(): Promise<void> };
/** What reached the receiver's `/hang` and `/hangup`, which never answer: the first holds the request, the second closes the connection. */
const unanswered: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver((req, body, res) => {
    if (req.url === '/hang' || req.url === '/hangup') {
      unanswered.push(body);
      if (req.url === '/hangup') res.socket?.destroy();
      return;
    }
    const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    res.writeHead(
      status,
      status === 302 ? { location: 'https://elsewhere.example/' } : { 'content-type': 'text/plain' },
    );
    res.end(status >= 400 ? `refused\r\nsecond line ${status}` : 'ok');
  });
});
afterAll(() => receiver?.stop());

const secretPath = '/services/T000/B000/s3cret';
const send = (status: number) =>
  post('slack', `${receiver.url}/status/${status}${secretPath}`, '{}', { 'content-type': 'application/json' });

describe('posting to a receiver', () => {
  it('is done on a 2xx', async () => {
    expect((await send(200)).status).toBe(200);
    expect((await send(204)).status).toBe(204);
  });

  it.each([408, 429, 500, 503])('tries again later on %i, naming the answer but never the URL', async (status) => {
    const error = await send(status).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect((error as Error).message).toBe(`slack answered ${status}: refused second line ${status}`);
  });

  it.each([400, 401, 403, 404, 410, 413, 302])('gives up on %i, with the answer', async (status) => {
    const error = await send(status).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).toMatch(new RegExp(`^slack answered ${status}`));
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('tries again later when nobody answers, after the usual backoff when the request never went out', async () => {
    const gone = await startReceiver(() => undefined);
    await gone.stop();
    const error = await post('teams', `${gone.url}${secretPath}`, '{}', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect((error as Error).message).toBe('teams: no answer (ECONNREFUSED)');
    expect((error as TransientDeliveryError).retryAfterMs).toBe(0);
  });

  it('waits before sending again a request the receiver took but never answered, unless it recognises a repeat', async () => {
    const once = await post('teams', `${receiver.url}/hangup`, '{"n":1}', {}).catch((caught: unknown) => caught);
    expect(unanswered).toContain('{"n":1}');
    expect(once).toBeInstanceOf(TransientDeliveryError);
    expect(once).toMatchObject({ message: 'teams: no answer (UND_ERR_SOCKET)', retryAfterMs: unansweredWaitMs });
    const deduplicated = await post('pagerduty', `${receiver.url}/hangup`, '{"n":2}', {}, true).catch(
      (caught: unknown) => caught,
    );
    expect(deduplicated).toMatchObject({ message: 'pagerduty: no answer (UND_ERR_SOCKET)', retryAfterMs: 0 });
  });

  it(
    'gives up on a receiver that holds the request past 15 s, and waits before sending it again',
    { timeout: 30_000 },
    async () => {
      const error = await post('slack', `${receiver.url}/hang`, '{"n":3}', {}).catch((caught: unknown) => caught);
      expect(unanswered).toContain('{"n":3}');
      expect(error).toBeInstanceOf(TransientDeliveryError);
      expect(error).toMatchObject({
        message: 'slack: no answer (timed out after 15 s)',
        retryAfterMs: unansweredWaitMs,
      });
    },
  );

  it.each([
    ['teams', unansweredWaitMs, { TEAMS_WEBHOOK_URL: 'hangup' }],
    ['slack', unansweredWaitMs, { SLACK_WEBHOOK_URL: 'hangup' }],
    ['pagerduty', 0, { PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY0000000000000000000000', PAGERDUTY_EVENTS_URL: 'hangup' }],
    ['webhook', 0, { WEBHOOK_URL: 'hangup', WEBHOOK_SECRET: 'a-signing-secret-of-32-bytes-or-more' }],
  ] as const)(
    '%s, unanswered after it took the request, is tried again after %i ms at least',
    async (name, wait, settings) => {
      const definition = channelDefinitions.find((candidate) => candidate.name === name);
      const urls = Object.fromEntries(
        Object.entries(settings).map(([setting, value]) => [
          setting,
          value === 'hangup' ? `${receiver.url}/hangup` : value,
        ]),
      );
      const alerts: AlertConfig = {
        channels: [],
        mail: { kind: 'none' },
        from: null,
        keyvaultAdmins: [],
        powerplatformAdmins: [],
        monitorAdmins: [],
        thresholdsDays: [],
        dashboardUrl: null,
      };
      const channel = await definition?.create(definition.settings.parse(urls), {
        alerts,
        credential: { getToken: async () => null },
      });
      const notice: Notice = {
        type: 'alert',
        id: 'key-disabled|kv-main|pp-key|1|0',
        kind: 'opened',
        incident: incident(),
        level: 0,
        recipients: [],
        environmentCount: 1,
        decidedAt: now.toISOString(),
      };
      const error = await channel?.send(notice).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'TransientDeliveryError', retryAfterMs: wait });
    },
  );
});

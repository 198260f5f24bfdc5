import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  alert,
  decideAlerts,
  deliverAlerts,
  queueDigest,
  type AlertingDependencies,
} from '../../shared/application/alerting.js';
import { reaches } from '../../shared/domain/alerts/notice.js';
import type { AlertConfig } from '../../shared/config.js';
import { MemoryLedger, MemoryOutbox, MemoryStatuses, RecordingChannel } from '../support/memory/alertPorts.js';
import { finding, now, status } from './alerts/builders.js';

const minute = 60_000;
const config: AlertConfig = {
  channels: [],
  mail: { kind: 'none' },
  from: null,
  keyvaultAdmins: ['kv-admins@contoso.com'],
  powerplatformAdmins: ['pp-admins@contoso.com'],
  monitorAdmins: [],
  thresholdsDays: [30, 14, 7, 3, 1],
  dashboardUrl: null,
};
const down = status('env-1', [finding('key-disabled', 'outage')]);
const warning = status(
  'env-2',
  [finding('key-expiring', 'warning', new Date(now.getTime() + 20 * 86_400_000).toISOString())],
  { key: 'other-key', status: 'warning' },
);

let statuses: MemoryStatuses;
let outbox: MemoryOutbox;
let email: RecordingChannel;
let pager: RecordingChannel;
let chat: RecordingChannel;
let deps: AlertingDependencies;

beforeEach(() => {
  statuses = new MemoryStatuses([down, warning]);
  outbox = new MemoryOutbox();
  email = new RecordingChannel('email');
  pager = new RecordingChannel('pagerduty', (notice) => notice.type === 'alert' && reaches(notice, 'critical'));
  chat = new RecordingChannel('teams', (notice) => reaches(notice, 'warning'));
  deps = {
    statuses,
    ledger: new MemoryLedger(),
    alerts: outbox,
    links: async () => [],
    config,
    channels: [email, pager, chat],
    log: () => undefined,
  };
});

async function run(at: Date) {
  const queued = await decideAlerts(deps, at);
  return { queued, ...(await deliverAlerts(deps, at)) };
}

const at = (minutes: number) => new Date(now.getTime() + minutes * minute);
const opened = 'key-disabled|kv-main|pp-key|1|0';

describe('deciding and delivering alerts', () => {
  it('records each alert once, with one delivery for each channel that takes it', async () => {
    expect(await run(now)).toEqual({ queued: 2, sent: 5, failed: 0, waiting: 0 });
    expect(pager.sent.map((notice) => notice.id)).toEqual(['key-disabled|kv-main|pp-key|1|0']);
    expect(email.sent).toHaveLength(2);
    expect(chat.sent).toHaveLength(2);
    expect(await run(at(60))).toEqual({ queued: 0, sent: 0, failed: 0, waiting: 0 });
  });

  it('never lets a failing channel hold up another, and delivers to it exactly once when it is back', async () => {
    chat.down = true;
    expect(await run(now)).toMatchObject({ sent: 3, waiting: 2 });
    const waiting = outbox.delivery('key-disabled|kv-main|pp-key|1|0', 'teams');
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastError: 'teams answered 503' });
    // Once it failed, the channel's other delivery waits for the next run instead of failing as well.
    expect(
      [...outbox.deliveries.values()]
        .filter(({ value }) => value.channel === 'teams')
        .map(({ value }) => value.attempts)
        .sort(),
    ).toEqual([0, 1]);
    for (let minutes = 1; minutes <= 12 * 60; minutes += 7) await deliverAlerts(deps, at(minutes));
    expect(chat.sent).toEqual([]);
    chat.down = false;
    await deliverAlerts(deps, at(13 * 60));
    await deliverAlerts(deps, at(14 * 60));
    expect(chat.sent.map((notice) => notice.id).sort()).toEqual(
      [...new Set(chat.sent.map((notice) => notice.id))].sort(),
    );
    expect(chat.sent).toHaveLength(2);
    expect(email.sent).toHaveLength(2);
  });

  it('backs off 1, 2, 4 … minutes, at most an hour, while a channel is down', async () => {
    chat.down = true;
    statuses.statuses = [down];
    await run(now);
    const delays: number[] = [];
    for (let minutes = 1; minutes <= 10 * 60; minutes++) {
      const before = outbox.delivery('key-disabled|kv-main|pp-key|1|0', 'teams')?.attempts ?? 0;
      await deliverAlerts(deps, at(minutes));
      if ((outbox.delivery('key-disabled|kv-main|pp-key|1|0', 'teams')?.attempts ?? 0) > before) delays.push(minutes);
    }
    const gaps = delays.map((minutes, i) => minutes - (delays[i - 1] ?? 0));
    expect(gaps.slice(0, 7)).toEqual([1, 2, 4, 8, 16, 32, 60]);
  });

  it('fails a delivery the receiver refuses, once, and goes on with the others', async () => {
    chat.refuse = true;
    expect(await run(now)).toMatchObject({ sent: 3, failed: 2 });
    expect(outbox.delivery('key-disabled|kv-main|pp-key|1|0', 'teams')).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'teams answered 400: invalid_payload',
    });
    chat.refuse = false;
    expect(await deliverAlerts(deps, at(120))).toEqual({ sent: 0, failed: 0, waiting: 0 });
  });

  it('never lets an incident resolve on a pager before it triggered there', async () => {
    statuses.statuses = [down];
    pager.down = true;
    await run(now);
    statuses.statuses = [];
    pager.down = false;
    // Resolved, and due at once; the trigger is due only after its backoff.
    expect(await run(at(0.5))).toMatchObject({ queued: 1, waiting: 2 });
    expect(pager.sent).toEqual([]);
    await deliverAlerts(deps, at(2));
    expect(pager.sent.map((notice) => notice.type === 'alert' && notice.kind)).toEqual(['opened', 'resolved']);
  });

  it('leaves deliveries untouched while a channel cannot send at all, and fails those of a channel no longer chosen', async () => {
    email.ready = false;
    chat.down = true;
    await run(now);
    expect(outbox.delivery('key-disabled|kv-main|pp-key|1|0', 'email')).toMatchObject({
      status: 'pending',
      attempts: 0,
    });
    deps.channels = [email, pager];
    await deliverAlerts(deps, at(1));
    expect(outbox.delivery('key-disabled|kv-main|pp-key|1|0', 'teams')).toMatchObject({
      status: 'failed',
      lastError: 'The teams channel is no longer in ALERT_CHANNELS',
    });
    email.ready = true;
    await deliverAlerts(deps, at(2));
    expect(email.sent).toHaveLength(2);
  });

  it('sends the digest once a day to the channels that take it, never to the pager', async () => {
    const first = await queueDigest(deps, now);
    const again = await queueDigest(deps, at(60));
    expect([first.queued, again.queued]).toEqual([1, 0]);
    expect(email.sent.map((notice) => notice.id)).toEqual(['digest|2026-11-22']);
    expect(chat.sent.map((notice) => notice.type)).toEqual(['digest']);
    expect(pager.sent).toEqual([]);
    const [digest] = email.sent;
    expect(digest?.type === 'digest' && digest.incidents.map((line) => line.rule).sort()).toEqual([
      'key-disabled',
      'key-expiring',
    ]);
    expect(digest?.recipients).toEqual(['kv-admins@contoso.com', 'pp-admins@contoso.com']);
  });

  it("leaves an event's step that queued nothing to the timer, without reading the outbox", async () => {
    pager.down = true;
    expect(await alert(deps, now)).toMatchObject({ queued: 2, waiting: 1 });
    pager.down = false;
    expect(await alert(deps, at(90), [warning])).toEqual({ queued: 0, sent: 0, failed: 0, waiting: 0 });
    expect(pager.sent).toEqual([]);
    expect(await alert(deps, at(90))).toMatchObject({ queued: 0, sent: 1, waiting: 0 });
    expect(pager.sent).toHaveLength(1);
  });

  it('waits as long as a channel asks before trying a send again, when that is longer than the backoff', async () => {
    deps.channels = [chat];
    statuses.statuses = [down];
    chat.down = true;
    chat.retryAfterMs = 10 * minute;
    await run(now);
    for (let minutes = 1; minutes < 10; minutes++) await deliverAlerts(deps, at(minutes));
    expect(outbox.delivery(opened, 'teams')).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: at(10).toISOString(),
    });
    chat.down = false;
    await deliverAlerts(deps, at(10));
    expect(chat.sent.map((notice) => notice.id)).toEqual([opened]);
  });

  it('lets the next run take over a delivery whose host died after claiming it, a minute later', async () => {
    deps.channels = [chat];
    statuses.statuses = [down];
    await decideAlerts(deps, now);
    const dying = new RecordingChannel('teams');
    let die!: (reason: Error) => void;
    dying.stall = new Promise((_, reject) => {
      die = reject;
    });
    const deadRun = deliverAlerts({ ...deps, channels: [dying] }, now);
    await vi.waitFor(() => expect(outbox.delivery(opened, 'teams')?.status).toBe('sending'));

    expect(await deliverAlerts(deps, new Date(now.getTime() + 59_000))).toEqual({ sent: 0, failed: 0, waiting: 1 });
    expect(await deliverAlerts(deps, new Date(now.getTime() + 61_000))).toEqual({ sent: 1, failed: 0, waiting: 0 });
    expect(chat.sent.map((notice) => notice.id)).toEqual([opened]);

    // The host that claimed it never writes over what the next run did.
    die(new Error('host killed'));
    await deadRun;
    expect(outbox.delivery(opened, 'teams')).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('holds a delivery claimed late in a long run from when it was claimed, not from when the run began', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(now);
      deps.channels = [chat];
      await decideAlerts(deps, now);
      const expiringSoon = 'key-expiring|kv-main|other-key|1|30';
      let release!: () => void;
      chat.stall = new Promise((resolve) => {
        release = resolve;
      });
      const longRun = deliverAlerts(deps, now);
      await vi.waitFor(() => expect(outbox.delivery(opened, 'teams')?.status).toBe('sending'));
      vi.setSystemTime(now.getTime() + 50_000);
      const releaseFirst = release;
      chat.stall = new Promise((resolve) => {
        release = resolve;
      });
      releaseFirst();
      await vi.waitFor(() => expect(outbox.delivery(expiringSoon, 'teams')?.status).toBe('sending'));
      expect(Date.parse(outbox.delivery(expiringSoon, 'teams')?.claimedUntil ?? '')).toBeGreaterThanOrEqual(
        now.getTime() + 110_000,
      );

      const other = new RecordingChannel('teams');
      await deliverAlerts({ ...deps, channels: [other] }, new Date(now.getTime() + 61_000));
      expect(other.sent).toEqual([]);
      release();
      expect(await longRun).toEqual({ sent: 2, failed: 0, waiting: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives up a send that hangs for 30 s, within its claim, and tries it again later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      deps.channels = [chat];
      statuses.statuses = [down];
      await decideAlerts(deps, now);
      chat.stall = new Promise(() => undefined);
      const hanging = deliverAlerts(deps, now);
      await vi.waitFor(() => expect(outbox.delivery(opened, 'teams')?.status).toBe('sending'));
      await vi.advanceTimersByTimeAsync(30_000);
      expect(await hanging).toEqual({ sent: 0, failed: 0, waiting: 1 });
      expect(outbox.delivery(opened, 'teams')).toMatchObject({
        status: 'pending',
        attempts: 1,
        claimedUntil: null,
        lastError: 'teams: no answer within 30 s',
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('decides only the incidents of the chains an event touched', async () => {
    const queued = await decideAlerts(deps, now, [warning]);
    expect(queued).toBe(1);
    expect([...outbox.alerts.keys()]).toEqual(['key-expiring|kv-main|other-key|1|30']);
  });
});

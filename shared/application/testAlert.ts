import { randomUUID } from 'node:crypto';
import type { TestNotice } from '../domain/alerts/notice.js';
import { uniqueAddresses } from '../domain/alerts/recipients.js';
import type { AlertSettings } from './alertSettings.js';
import { PermanentDeliveryError, TransientDeliveryError, type Channel } from './ports/notifier.js';

export interface TestAlertDependencies {
  /** The channels ALERT_CHANNELS chose, the very ones the outbox sends through. */
  channels: Channel[];
  config: Pick<AlertSettings, 'keyvaultAdmins' | 'powerplatformAdmins' | 'monitorAdmins'>;
}

/**
 * How a test went: `refused` when a real alert would fail on this channel as it is, `unreachable` when a real alert
 * would wait and be sent again; `status` is the receiver's, when it answered.
 */
export type TestDelivery =
  | { channel: string; target: string; result: 'sent' }
  | { channel: string; target: string; result: 'refused' | 'unreachable'; status?: number; reason: string };

export type TestAlertResult = { ok: true; delivery: TestDelivery } | { ok: false; configured: string[] };

/**
 * Sends a test notice through one configured channel at once, as that channel sends every alert, to everyone an
 * alert may reach. Nothing is recorded: no outbox, no ledger, so a test never stands in for or holds up a real alert.
 */
export async function sendTestAlert(
  deps: TestAlertDependencies,
  channelName: string,
  now = new Date(),
): Promise<TestAlertResult> {
  const channel = deps.channels.find((candidate) => candidate.name === channelName);
  if (!channel) return { ok: false, configured: deps.channels.map((candidate) => candidate.name) };
  const notice: TestNotice = {
    type: 'test',
    id: `test|${channel.name}|${randomUUID()}`,
    channel: channel.name,
    severity: 'info',
    recipients: uniqueAddresses([
      ...deps.config.keyvaultAdmins,
      ...deps.config.powerplatformAdmins,
      ...deps.config.monitorAdmins,
    ]),
    decidedAt: now.toISOString(),
  };
  const tried = { channel: channel.name, target: channel.target };
  try {
    await channel.send(notice);
    return { ok: true, delivery: { ...tried, result: 'sent' } };
  } catch (error) {
    if (!(error instanceof PermanentDeliveryError || error instanceof TransientDeliveryError)) throw error;
    const { status, advice } = error.detail;
    const result = error instanceof PermanentDeliveryError ? 'refused' : 'unreachable';
    return {
      ok: true,
      delivery: { ...tried, result, ...(status !== undefined && { status }), reason: advice ?? error.message },
    };
  }
}

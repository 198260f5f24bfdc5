import { decide, remembered } from '../domain/alerts/decide.js';
import { contentOf } from '../domain/alerts/content.js';
import { digestIncidentsOf, incidentsOf } from '../domain/alerts/incidents.js';
import type { Alert, Incident } from '../domain/alerts/model.js';
import { recipientsFor, uniqueAddresses } from '../domain/alerts/recipients.js';
import type { Digest, Notice } from '../domain/alerts/notice.js';
import type { AlertSettings } from './alertSettings.js';
import { TransientDeliveryError, type Channel } from './ports/notifier.js';
import type { EnvironmentStatus } from '../domain/environmentStatus.js';
import type { Link } from '../domain/links.js';
import { countByStatus } from '../domain/model.js';
import type { Delivery, LedgerPort, OutboxAlert, OutboxPort, StatusPort, Versioned } from './ports/stores.js';

export interface AlertingDependencies {
  statuses: Pick<StatusPort, 'list'>;
  ledger: Pick<LedgerPort, 'records' | 'saveRecord'>;
  alerts: Pick<OutboxPort, 'enqueue' | 'waiting' | 'alert' | 'update'>;
  /** The links of the last inventory: where each policy's own recipients (its tag) come from. */
  links: () => Promise<Link[]>;
  config: AlertSettings;
  /** Where alerts go, as ALERT_CHANNELS chose. */
  channels: Channel[];
  log: (message: string) => void;
}

/**
 * How long a delivery being sent is held against other runs: a host that dies between claiming and sending holds
 * it (and its incident's later deliveries) this long. A send is given up after `sendMs`, so a live sender never
 * outlasts its claim; the rest covers the outbox writes and the clocks of different hosts.
 */
const claimMs = 60_000;
const sendMs = 30_000;
const maxAttemptsOnRace = 5;
/** Open incidents a digest lists; the rest are counted. */
const digestLines = 100;

/**
 * Decides which alerts the current statuses call for and records each in the outbox with one delivery per channel
 * that takes it. Safe on two instances at once: both decide the same alert ids, the outbox keeps one alert per id,
 * and the ledger is written under ETags (the loser decides again on what the winner wrote).
 *
 * `scope`: the statuses an event left, which are every environment behind the key chains it touched; only those
 * chains' incidents are decided (and resolved), so events on different vaults do not contend.
 */
export async function decideAlerts(
  deps: AlertingDependencies,
  now = new Date(),
  scope?: EnvironmentStatus[],
): Promise<number> {
  for (let attempt = 0; attempt < maxAttemptsOnRace; attempt++) {
    const [statuses, records, links] = await Promise.all([
      scope ?? listStatuses(deps.statuses),
      deps.ledger.records(),
      deps.links(),
    ]);
    const chains = new Set(statuses.map((status) => chainOf(status.vault, status.key)));
    const inScope = (incidentId: string) => !scope || chains.has(incidentId.slice(incidentId.indexOf('|') + 1));
    const overrides = policyRecipients(links);
    const recipients = (incident: Incident) => recipientsFor(incident, deps.config, overrides);
    const current = new Map([...records].filter(([id]) => inScope(id)).map(([id, record]) => [id, record.value]));
    const decision = decide(incidentsOf(statuses), current, now, deps.config.thresholdsDays, recipients);

    let queued = 0;
    for (const alert of decision.alerts) if (await record(deps, outboxAlert(alert, deps.config))) queued++;
    const saved = await Promise.all(
      decision.records.map((next) => deps.ledger.saveRecord(next, records.get(next.incidentId))),
    );
    if (saved.every(Boolean)) return queued;
  }
  throw new Error('The alert ledger kept changing under this instance; the next run decides again');
}

/** Deliveries made by one run: sent, refused for good, or left to wait (a channel down, not due yet). */
export interface DeliveryRun {
  sent: number;
  failed: number;
  waiting: number;
}

/** What one alert step did: alerts recorded, and their deliveries. */
export interface AlertRun extends DeliveryRun {
  queued: number;
}

/**
 * One alert step: decides the alerts (of `scope` only, when an event changed those statuses), then delivers what is
 * due. An event that queued nothing leaves retries to the timer rather than reading the outbox itself.
 */
export async function alert(
  deps: AlertingDependencies,
  now = new Date(),
  scope?: EnvironmentStatus[],
): Promise<AlertRun> {
  const queued = await decideAlerts(deps, now, scope);
  if (scope && !queued) return { queued, sent: 0, failed: 0, waiting: 0 };
  return { queued, ...(await deliverAlerts(deps, now)) };
}

/**
 * Sends what the outbox holds and is due, every channel at once so a failing channel never holds up another.
 * A send that fails on the receiving side (down, busy, throttling) waits with backoff however long that lasts;
 * then that channel's other deliveries wait for the next run too, and no delivery overtakes an earlier one of the
 * same incident on the same channel (a resolve never reaches a pager before its trigger). Only a refusal of the
 * notice itself fails a delivery.
 */
export async function deliverAlerts(deps: AlertingDependencies, now = new Date()): Promise<DeliveryRun> {
  const started = Date.now();
  // `now` as the run goes on: a delivery claimed after others were sent is held from when it is claimed.
  const clock = () => new Date(now.getTime() + Date.now() - started);
  const waiting = await deps.alerts.waiting();
  const notices = new Map<string, Promise<OutboxAlert | null>>();
  const noticeOf = (alertId: string) => {
    const found = notices.get(alertId) ?? deps.alerts.alert(alertId);
    notices.set(alertId, found);
    return found;
  };
  const byChannel = new Map<string, Versioned<Delivery>[]>();
  for (const delivery of waiting)
    byChannel.set(delivery.value.channel, [...(byChannel.get(delivery.value.channel) ?? []), delivery]);
  const runs = await Promise.all(
    [...byChannel].map(([name, deliveries]) =>
      deliverThrough(
        deps,
        deps.channels.find((channel) => channel.name === name),
        name,
        deliveries,
        noticeOf,
        now,
        clock,
      ),
    ),
  );
  return runs.reduce(
    (total, run) => ({
      sent: total.sent + run.sent,
      failed: total.failed + run.failed,
      waiting: total.waiting + run.waiting,
    }),
    { sent: 0, failed: 0, waiting: 0 },
  );
}

async function deliverThrough(
  deps: AlertingDependencies,
  channel: Channel | undefined,
  name: string,
  deliveries: Versioned<Delivery>[],
  noticeOf: (alertId: string) => Promise<OutboxAlert | null>,
  now: Date,
  clock: () => Date,
): Promise<DeliveryRun> {
  const run: DeliveryRun = { sent: 0, failed: 0, waiting: 0 };
  const at = now.toISOString();
  const held = new Set<string>();
  let down = !channel?.ready;
  for (const delivery of deliveries) {
    const { value } = delivery;
    if (!channel) {
      const gone = await deps.alerts.update(delivery, {
        ...value,
        status: 'failed',
        claimedUntil: null,
        lastError: `The ${name} channel is no longer in ALERT_CHANNELS`,
      });
      run[gone ? 'failed' : 'waiting']++;
      continue;
    }
    const due = value.status === 'pending' ? value.nextAttemptAt <= at : (value.claimedUntil ?? '') <= at;
    if (down || !due || held.has(value.incidentId)) {
      held.add(value.incidentId);
      run.waiting++;
      continue;
    }
    const outcome = await deliverOne(deps, channel, delivery, noticeOf, now, clock);
    if (outcome === 'retry') down = true;
    if (outcome === 'retry' || outcome === 'taken') held.add(value.incidentId);
    run[outcome === 'sent' || outcome === 'failed' ? outcome : 'waiting']++;
  }
  return run;
}

async function deliverOne(
  deps: AlertingDependencies,
  channel: Channel,
  delivery: Versioned<Delivery>,
  noticeOf: (alertId: string) => Promise<OutboxAlert | null>,
  now: Date,
  clock: () => Date,
): Promise<'sent' | 'failed' | 'retry' | 'taken'> {
  const { value } = delivery;
  const claimed = await deps.alerts.update(delivery, {
    ...value,
    status: 'sending',
    claimedUntil: new Date(clock().getTime() + claimMs).toISOString(),
  });
  if (!claimed) return 'taken';
  const attempts = value.attempts + 1;
  const alert = await noticeOf(value.alertId);
  try {
    if (!alert) throw new Error('The alert is no longer in the outbox');
    await withDeadline(channel.send(alert.notice), sendMs, `${channel.name}: no answer within ${sendMs / 1000} s`);
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
    const retry = error instanceof TransientDeliveryError;
    await deps.alerts.update(claimed, {
      ...value,
      status: retry ? 'pending' : 'failed',
      attempts,
      claimedUntil: null,
      nextAttemptAt: new Date(
        now.getTime() + Math.max(backoffMs(attempts), retry ? error.retryAfterMs : 0),
      ).toISOString(),
      lastError: message,
    });
    deps.log(`Alert not sent through ${channel.name} (attempt ${attempts}${retry ? '' : ', giving up'}): ${message}`);
    return retry ? 'retry' : 'failed';
  }
  await deps.alerts.update(claimed, {
    ...value,
    status: 'sent',
    attempts,
    claimedUntil: null,
    sentAt: new Date().toISOString(),
    lastError: null,
  });
  return 'sent';
}

/** Records today's digest for both admin lists, once however often it runs, then sends what is due. */
export async function queueDigest(deps: AlertingDependencies, now = new Date()): Promise<AlertRun> {
  const statuses = await listStatuses(deps.statuses);
  const day = now.toISOString().slice(0, 10);
  const incidents = digestIncidentsOf(statuses);
  const digest: Digest = {
    type: 'digest',
    id: `digest|${day}`,
    day,
    severity: incidents.length ? 'warning' : 'info',
    byStatus: countByStatus(statuses),
    incidents: incidents.slice(0, digestLines).map(({ severity, rule, vault, key, environments, dueAt }) => ({
      severity,
      rule,
      vault,
      key,
      environmentCount: environments.length,
      dueAt,
    })),
    more: Math.max(0, incidents.length - digestLines),
    recipients: uniqueAddresses([...deps.config.keyvaultAdmins, ...deps.config.powerplatformAdmins]),
    decidedAt: now.toISOString(),
  };
  const queued = await record(deps, {
    alertId: digest.id,
    kind: 'digest',
    incidentId: 'digest',
    rule: 'digest',
    severity: digest.severity,
    subject: contentOf(digest, null).title,
    recipients: digest.recipients,
    environments: [],
    environmentCount: statuses.length,
    decidedAt: digest.decidedAt,
    notice: digest,
  });
  return { queued: queued ? 1 : 0, ...(await deliverAlerts(deps, now)) };
}

/** Records an alert with a delivery for every channel that takes it. */
export function record(deps: Pick<AlertingDependencies, 'channels' | 'alerts'>, alert: OutboxAlert): Promise<boolean> {
  const channels = deps.channels.filter((channel) => channel.takes(alert.notice));
  return deps.alerts.enqueue(alert, channels);
}

async function listStatuses(store: Pick<StatusPort, 'list'>): Promise<EnvironmentStatus[]> {
  return [...(await store.list()).values()].map((status) => status.value);
}

/** The `vault|key` part of an incident id (`rule|vault|key`). */
function chainOf(vault: string | null, key: string | null): string {
  return `${vault ?? ''}|${key ?? ''}`.toLowerCase();
}

/** `work`, or a TransientDeliveryError once `ms` have passed; a send given up on may still end, unobserved. */
function withDeadline(work: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransientDeliveryError(message)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** 1, 2, 4 … minutes, at most an hour, for as long as the channel is down. */
function backoffMs(attempts: number): number {
  return Math.min(60, 2 ** (attempts - 1)) * 60_000;
}

function policyRecipients(links: Link[]): Map<string, string[]> {
  const overrides = new Map<string, string[]>();
  for (const policy of links.flatMap((link) => [link.policy, link.previous?.policy])) {
    if (policy?.alertTo?.length) overrides.set(policy.id.toLowerCase(), policy.alertTo);
  }
  return overrides;
}

function outboxAlert(alert: Alert, config: AlertSettings): OutboxAlert {
  const { incident } = alert;
  const notice: Notice = { type: 'alert', ...alert, incident: remembered(incident) };
  return {
    alertId: alert.id,
    kind: alert.kind,
    incidentId: incident.id,
    rule: incident.rule,
    severity: incident.severity,
    subject: contentOf(notice, config.dashboardUrl).title,
    recipients: alert.recipients,
    environments: incident.environments.map((environment) => ({
      id: environment.environmentId,
      displayName: environment.displayName,
    })),
    environmentCount: alert.environmentCount,
    decidedAt: alert.decidedAt,
    notice,
  };
}

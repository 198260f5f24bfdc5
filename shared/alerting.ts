import { decide } from './alerts/decide.js';
import { renderDigest } from './alerts/digest.js';
import { digestIncidentsOf, incidentsOf } from './alerts/incidents.js';
import type { Alert, Incident } from './alerts/model.js';
import { recipientsFor, uniqueAddresses } from './alerts/recipients.js';
import { renderAlert } from './alerts/template.js';
import type { AlertConfig } from './config.js';
import type { EnvironmentStatus } from './domain/environmentStatus.js';
import type { Link } from './domain/links.js';
import { countByStatus } from './domain/model.js';
import { PermanentMailError, type MailTransport } from './mail/transport.js';
import type { AlertStore, OutboxEntry } from './store/alertStore.js';
import type { StatusStore, Versioned } from './store/statusStore.js';

export interface AlertingDependencies {
  statuses: StatusStore;
  alerts: AlertStore;
  /** The links of the last inventory: where each policy's own recipients (its tag) come from. */
  links: () => Promise<Link[]>;
  config: AlertConfig;
  /** Null when no transport is configured: alerts are recorded and wait. */
  transport: MailTransport | null;
  log: (message: string) => void;
}

/** Environments listed in one message; the subject and the count still tell the whole. */
const listedEnvironments = 50;
const claimMs = 5 * 60_000;
const maxAttemptsOnRace = 5;


/**
 * Decides which alerts the current statuses call for and records them in the outbox. Safe on two instances at
 * once: both decide the same alert ids, the outbox keeps one row per id, and the ledger is written under ETags
 * (the loser decides again on what the winner wrote).
 *
 * `scope`: the statuses an event left, which are every environment behind the key chains it touched; only those
 * chains' incidents are decided (and resolved), so events on different vaults do not contend.
 */
export async function decideAlerts(deps: AlertingDependencies, now = new Date(), scope?: EnvironmentStatus[]): Promise<number> {
  for (let attempt = 0; attempt < maxAttemptsOnRace; attempt++) {
    const [statuses, records, links] = await Promise.all([scope ?? listStatuses(deps.statuses), deps.alerts.records(), deps.links()]);
    const chains = new Set(statuses.map((status) => chainOf(status.vault, status.key)));
    const inScope = (incidentId: string) => !scope || chains.has(incidentId.slice(incidentId.indexOf('|') + 1));
    const overrides = policyRecipients(links);
    const recipients = (incident: Incident) => recipientsFor(incident, deps.config, overrides);
    const current = new Map([...records].filter(([id]) => inScope(id)).map(([id, record]) => [id, record.value]));
    const decision = decide(incidentsOf(statuses), current, now, deps.config.thresholdsDays, recipients);

    let queued = 0;
    for (const alert of decision.alerts) if (await deps.alerts.enqueue(outboxEntry(alert, deps.config))) queued++;
    const saved = await Promise.all(decision.records.map((record) => deps.alerts.saveRecord(record, records.get(record.incidentId))));
    if (saved.every(Boolean)) return queued;
  }
  throw new Error('The alert ledger kept changing under this instance; the next run decides again');
}

/**
 * Sends what the outbox holds and is due. A send that fails on the sending side (server down, refused login,
 * throttling) waits with backoff however long that lasts, and goes once the channel is back; only a permanent
 * refusal of the message itself fails it.
 */
export interface Delivery {
  sent: number;
  failed: number;
  waiting: number;
}

/** What one alert step did: alerts recorded, and the outbox's delivery. */
export interface AlertRun extends Delivery {
  queued: number;
}

export async function deliverAlerts(deps: AlertingDependencies, now = new Date()): Promise<Delivery> {
  const result: Delivery = { sent: 0, failed: 0, waiting: 0 };
  const due = await deps.alerts.due(now);
  if (!deps.transport) return { ...result, waiting: due.length };
  for (const entry of due) {
    const outcome = await deliverOne(deps, deps.transport, entry, now);
    result[outcome]++;
  }
  return result;
}

async function deliverOne(
  deps: AlertingDependencies,
  transport: MailTransport,
  entry: Versioned<OutboxEntry>,
  now: Date,
): Promise<'sent' | 'failed' | 'waiting'> {
  const alert = entry.value;
  const claimed = await deps.alerts.update(entry, { ...alert, status: 'sending', claimedUntil: new Date(now.getTime() + claimMs).toISOString() });
  if (!claimed) return 'waiting';
  const attempts = alert.attempts + 1;
  if (!alert.recipients.length) {
    await deps.alerts.update(claimed, { ...alert, status: 'failed', attempts, claimedUntil: null, lastError: 'No recipients: set ALERT_TO_KEYVAULT_ADMINS / ALERT_TO_POWERPLATFORM_ADMINS' });
    deps.log(`Alert ${alert.subject} has no recipients`);
    return 'failed';
  }
  try {
    await transport.send({
      idempotencyKey: alert.alertId,
      from: deps.config.from ?? '',
      to: alert.recipients,
      subject: alert.subject,
      text: alert.text,
      html: alert.html,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
    const permanent = error instanceof PermanentMailError;
    await deps.alerts.update(claimed, {
      ...alert,
      status: permanent ? 'failed' : 'pending',
      attempts,
      claimedUntil: null,
      nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)).toISOString(),
      lastError: message,
    });
    deps.log(`Alert not sent (attempt ${attempts}${permanent ? ', giving up' : ''}): ${message}`);
    return permanent ? 'failed' : 'waiting';
  }
  await deps.alerts.update(claimed, { ...alert, status: 'sent', attempts, claimedUntil: null, sentAt: new Date().toISOString(), lastError: null });
  return 'sent';
}

/** Records today's digest for both admin lists, once however often it runs, then sends what is due. */
export async function queueDigest(deps: AlertingDependencies, now = new Date()): Promise<Delivery & { queued: number }> {
  const statuses = await listStatuses(deps.statuses);
  const byStatus = countByStatus(statuses);
  const day = now.toISOString().slice(0, 10);
  const incidents = digestIncidentsOf(statuses);
  const message = renderDigest({ day, byStatus, incidents, dashboardUrl: deps.config.dashboardUrl ?? undefined });
  const recipients = uniqueAddresses([...deps.config.keyvaultAdmins, ...deps.config.powerplatformAdmins]);
  const queued = await deps.alerts.enqueue({
    alertId: `digest|${day}`,
    kind: 'digest',
    incidentId: 'digest',
    rule: 'digest',
    severity: incidents.length ? 'warning' : 'info',
    ...message,
    recipients,
    environments: [],
    environmentCount: statuses.length,
    decidedAt: now.toISOString(),
  });
  return { queued: queued ? 1 : 0, ...(await deliverAlerts(deps, now)) };
}

/** The `vault|key` part of an incident id (`rule|vault|key`). */
async function listStatuses(store: StatusStore): Promise<EnvironmentStatus[]> {
  return [...(await store.list()).values()].map((status) => status.value);
}

function chainOf(vault: string | null, key: string | null): string {
  return `${vault ?? ''}|${key ?? ''}`.toLowerCase();
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

function outboxEntry(alert: Alert, config: AlertConfig) {
  const { incident } = alert;
  const listed = { ...alert, incident: { ...incident, environments: incident.environments.slice(0, listedEnvironments) } };
  const message = renderAlert(listed, { dashboardUrl: config.dashboardUrl ?? undefined, environmentCount: alert.environmentCount });
  return {
    alertId: alert.id,
    kind: alert.kind,
    incidentId: incident.id,
    rule: incident.rule,
    severity: incident.severity,
    ...message,
    recipients: alert.recipients,
    environments: incident.environments.map((environment) => ({ id: environment.environmentId, displayName: environment.displayName })),
    environmentCount: alert.environmentCount,
    decidedAt: alert.decidedAt,
  };
}

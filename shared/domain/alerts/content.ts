import type { IncidentChange } from './model.js';
import type { Notice } from './notice.js';
import { daysUntil } from '../days.js';
import { deletionNotice } from '../deletionClock.js';
import { remedies } from '../rules/index.js';
import { oneLine } from '../../text/oneLine.js';

/** A listed environment, every value one line of plain text. */
export interface ContentRow {
  name: string;
  id: string;
  policy: string;
  status: string;
  message: string;
}

/**
 * A notice as plain one-line texts that every channel lays out its own way (a mail, a card, blocks, a page's
 * summary). Every value from Azure is stripped of control and invisible characters here; each channel still
 * escapes for its own format.
 */
export interface NoticeContent {
  /** 'problem' for an alert about an open incident, 'resolved' when it cleared, 'digest' for the daily summary, 'test' for a test of a channel. */
  tone: 'problem' | 'resolved' | 'digest' | 'test';
  /** The subject line: at most 200 characters. */
  title: string;
  summary: string;
  facts: [string, string][];
  rows: ContentRow[];
  /** Environments affected in all; `rows` lists the first of them. */
  environmentCount: number;
  /** The digest's incidents, one line each. */
  lines: string[];
  /** "… and 12 more", or null. */
  more: string | null;
  /** What to do; null for the digest. */
  remedy: string | null;
  dashboardUrl: string | null;
  footer: string;
}

const titleMax = 200;

export function contentOf(notice: Notice, dashboardUrl: string | null): NoticeContent {
  switch (notice.type) {
    case 'alert':
      return alertContent(notice, dashboardUrl);
    case 'digest':
      return digestContent(notice, dashboardUrl);
    case 'sight':
      return sightContent(notice, dashboardUrl);
    case 'test':
      return testContent(notice, dashboardUrl);
  }
}

/** Who sent it, what it tests and when; nothing about any environment, key or vault. */
function testContent(notice: Extract<Notice, { type: 'test' }>, dashboardUrl: string | null): NoticeContent {
  const channel = oneLine(notice.channel);
  const at = stamp(notice.decidedAt);
  return {
    tone: 'test',
    title: cap(`[CMK test] ${channel} channel test from the CMK monitor, ${at}`, titleMax),
    summary: `A test message from the CMK monitor, asked for through its test alert (POST /api/test-alert) at ${at}. Nothing is wrong: it concerns no environment, key or vault.`,
    facts: [
      ['Channel', channel],
      ['Sent', at],
      ['Asked through', 'POST /api/test-alert'],
    ],
    rows: [],
    environmentCount: 0,
    lines: [],
    more: null,
    remedy: `Nothing. Alerts reach whoever reads this through ${channel}; if this message is not where your team reads alerts, change the channel's settings.`,
    dashboardUrl: dashboardUrl && oneLine(dashboardUrl),
    footer: `Test ${oneLine(notice.id)}`,
  };
}

function sightContent(notice: Extract<Notice, { type: 'sight' }>, dashboardUrl: string | null): NoticeContent {
  const resolved = notice.kind === 'resolved';
  const first = oneLine(notice.reasons[0] ?? '');
  return {
    tone: resolved ? 'resolved' : 'problem',
    title: cap(
      oneLine(
        resolved
          ? `[CMK monitor] sees the whole tenant again since ${day(notice.decidedAt)}`
          : `[CMK monitor degraded] cannot see part of the tenant: ${first}`,
      ),
      titleMax,
    ),
    summary: resolved
      ? `The monitor reads every policy, link and key chain again; it could not since ${stamp(notice.since)}.`
      : 'The monitor cannot see part of the tenant: statuses it cannot read are kept as last seen or shown unknown, never healthy.',
    facts: [['Since', stamp(notice.since)]],
    rows: [],
    environmentCount: 0,
    lines: notice.reasons.map(oneLine),
    more: null,
    remedy: resolved
      ? 'Nothing.'
      : "Run `npm run doctor` with the monitor's rights (or the portal's access check): it names each missing right with its scope and the command that grants it, and each field a response lacked.",
    dashboardUrl: dashboardUrl && oneLine(dashboardUrl),
    footer: `Monitor ${oneLine(notice.id)}`,
  };
}

function alertContent(alert: Extract<Notice, { type: 'alert' }>, dashboardUrl: string | null): NoticeContent {
  const { incident } = alert;
  const resolved = alert.kind === 'resolved';
  const count = alert.environmentCount;
  const environmentsLabel = `${count} environment${count === 1 ? '' : 's'}`;
  const vault = oneLine(incident.vault ?? '(no vault)');
  const key = oneLine(incident.key ?? '(no key)');
  const version = oneLine(incident.keyVersion ?? '(unknown)');
  const today = day(alert.decidedAt);
  const decidedAt = new Date(alert.decidedAt);
  const due = incident.dueAt ? `${day(incident.dueAt)} (${describeDays(daysUntil(incident.dueAt, decidedAt))})` : null;
  const problem = `${incident.rule} on ${vault}/${key}`;
  const deletion = !resolved && incident.deletionAt ? deletionNotice(incident.deletionAt, decidedAt) : null;
  const reminder = deletion !== null && (alert.level ?? 0) > 0;

  const change = alert.change ? changeText(alert.change, count, incident.severity === 'outage') : null;
  const headline = resolved
    ? `[CMK resolved] ${environmentsLabel}: ${problem} cleared ${today}`
    : change
      ? `[CMK ${incident.severity}] ${change.headline}: ${problem}`
      : reminder
        ? `[CMK outage] ${environmentsLabel} ${deletion}: ${problem}`
        : incident.severity === 'outage'
          ? `[CMK outage] ${environmentsLabel} down since ${due ?? today}: ${problem}`
          : `[CMK ${incident.severity}] ${environmentsLabel}, due ${due ?? `${today} (now)`}: ${problem}`;

  const dueLine = resolved ? null : (due ?? `${today} (now)`);
  const policies = oneLine(incident.policies.map((policy) => policy.name ?? policy.id).join(', ') || '(none)');
  const rows = incident.environments.map((environment) => ({
    name: oneLine(environment.displayName),
    id: oneLine(environment.environmentId),
    policy: oneLine(environment.policyName ?? environment.policyId ?? ''),
    status: environment.status,
    message: `${oneLine(environment.message)}${!resolved && environment.deletionAt ? ` Environment ${deletionNotice(environment.deletionAt, decidedAt)}.` : ''}`,
  }));
  return {
    tone: resolved ? 'resolved' : 'problem',
    title: cap(oneLine(headline), titleMax),
    summary: resolved
      ? `Resolved: ${problem} no longer affects any environment.`
      : `${incident.rule} (${incident.severity}) on key ${key} in vault ${vault}.`,
    facts: [
      ['Vault', vault],
      ['Key', key],
      ['Version', version],
      ['Policies', policies],
      ...(dueLine ? [['Due', dueLine] as [string, string]] : []),
      ...(deletion ? [['Deletion', count > 1 ? `the first ${deletion}` : deletion] as [string, string]] : []),
    ],
    rows,
    environmentCount: count,
    lines: change?.lines ?? [],
    more: count > rows.length ? `… and ${count - rows.length} more` : null,
    remedy: resolved ? 'Nothing: the monitor sees the chain healthy again for this rule.' : remedies[incident.rule],
    dashboardUrl: dashboardUrl && oneLine(dashboardUrl),
    footer: `Alert ${oneLine(alert.id)}`,
  };
}

/** An open incident whose environments changed: how many came or left, and which, by name. */
function changeText(change: IncidentChange, count: number, outage: boolean): { headline: string; lines: string[] } {
  const plural = (n: number) => `${n} environment${n === 1 ? '' : 's'}`;
  const came = change.added.length || Math.max(count - change.before, 0);
  const left = change.removed.length || Math.max(change.before - count, 0);
  const headline = came
    ? `${plural(came).replace(' environment', ' more environment')} ${outage ? 'down' : 'affected'} (${count} in all)`
    : `${plural(left)} no longer ${outage ? 'down' : 'affected'}, ${count} still ${outage ? 'down' : 'affected'}`;
  const names = (list: { displayName: string | null; environmentId: string }[]) =>
    list.map((environment) => oneLine(environment.displayName ?? environment.environmentId)).join(', ');
  return {
    headline,
    lines: [
      ...(change.added.length ? [`Now also: ${names(change.added)}`] : []),
      ...(change.removed.length ? [`No longer: ${names(change.removed)}`] : []),
    ],
  };
}

function digestContent(digest: Extract<Notice, { type: 'digest' }>, dashboardUrl: string | null): NoticeContent {
  const { byStatus } = digest;
  const atRisk = byStatus.outage + byStatus.critical + byStatus.warning + byStatus.unknown;
  const line = (incident: Extract<Notice, { type: 'digest' }>['incidents'][number]) =>
    oneLine(
      `${incident.severity}: ${incident.rule} on ${incident.vault ?? '(no vault)'}/${incident.key ?? '(no key)'}, ${incident.environmentCount} environment(s)${incident.dueAt ? `, due ${incident.dueAt.slice(0, 10)}` : ''}`,
    );
  return {
    tone: 'digest',
    title: oneLine(
      `[CMK digest] ${digest.day}: ${byStatus.outage} down, ${byStatus.critical} critical, ${byStatus.warning} warning, ${byStatus.unknown} unknown, ${byStatus.healthy} healthy`,
    ),
    summary: atRisk ? `${atRisk} environments need attention.` : 'Every monitored environment is healthy.',
    facts: [],
    rows: [],
    environmentCount: 0,
    lines: digest.incidents.map(line),
    more: digest.more ? `… and ${digest.more} more` : null,
    remedy: null,
    dashboardUrl: dashboardUrl && oneLine(dashboardUrl),
    footer: `Digest ${digest.day}`,
  };
}

/** At most `max` UTF-16 units, never ending in half a surrogate pair. */
export function cap(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

function stamp(iso: string): string {
  return oneLine(`${iso.slice(0, 16).replace('T', ' ')} UTC`);
}

function day(iso: string): string {
  return oneLine(iso.slice(0, 10));
}

function describeDays(days: number): string {
  if (days > 1) return `in ${days} days`;
  if (days === 1) return 'in 1 day';
  if (days === 0) return 'today';
  return `${-days} day${days === -1 ? '' : 's'} ago`;
}

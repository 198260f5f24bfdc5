import { dayMs } from '../../domain/days.js';
import { countByStatus, statuses, statusRank } from '../../domain/model.js';
import {
  timelineDays,
  type Timeline,
  type TimelineDeletion,
  type TimelineLane,
} from '../../application/views/timeline.js';
import { dateAndDays, shortDate } from './dashboardDates.js';
import { e } from './page.js';

/*
 * The timeline's drawing, in the SVG's own units: the viewBox scales it to the page's width. Left of `todayX` is the
 * overdue band, where a date already past is drawn at a fixed place (its label gives the date); right of it one day
 * is `perDay` units, up to `timelineDays` days at `endX`.
 */
const width = 600;
const overdueWidth = 76;
const todayX = 84;
const endX = 584;
const perDay = (endX - todayX) / timelineDays;
const overdueX = { expiry: 22, deletion: 54 };
const axisHeight = 30;
const laneHeight = 46;
/** The table lists a lane's first deletion days. */
const listedDeletionDays = 3;
/** The longest key name a lane's title shows, in characters. */
const maxTitle = 44;
/** A mark's label goes on its left when the right has less room than this. */
const labelRoom = 130;

/** The timeline as an inline SVG, with the table beside it that says the same in text. */
export function timelineSection(timeline: Timeline, filtered: boolean): string {
  const now = new Date(timeline.from);
  const heading = `<h2>Next ${timelineDays} days</h2>`;
  if (!timeline.lanes.length) {
    return `<section id="timeline">${heading}<p>No key ${filtered ? 'of these environments ' : ''}expires and no environment is due for deletion in the next ${timelineDays} days.</p></section>`;
  }
  const more = timeline.moreLanes
    ? `<p class="meta">And ${timeline.moreLanes} more key${timeline.moreLanes === 1 ? '' : 's'} with dates in the next ${timelineDays} days: narrow the list with the filters.</p>`
    : '';
  return `<section id="timeline">${heading}
<div class="timeline">
<figure>${svgOf(timeline, now)}
<figcaption class="legend">◆ key expiry · ■ environment deleted unless key access is restored · ┃ alert, ${e(thresholdsText(timeline))} · shaded: overdue</figcaption></figure>
${tableOf(timeline, now)}
</div>
${more}</section>`;
}

function svgOf(timeline: Timeline, now: Date): string {
  const height = axisHeight + timeline.lanes.length * laneHeight + 6;
  const gridDays = [30, 60, 90];
  const axis = [
    `<rect class="tl-overdue" x="0" y="0" width="${overdueWidth}" height="${height}"/>`,
    `<text class="tl-axis" x="3" y="18">overdue</text>`,
    ...gridDays.map((days) => {
      const x = round(todayX + days * perDay);
      return `<line class="tl-grid" data-days="${days}" x1="${x}" y1="24" x2="${x}" y2="${height}"/><text class="tl-axis" x="${x}" y="18" text-anchor="${days === timelineDays ? 'end' : 'middle'}">${e(shortDate(new Date(now.getTime() + days * dayMs).toISOString()))}</text>`;
    }),
    `<line class="tl-today" data-at="${e(timeline.from)}" x1="${todayX}" y1="24" x2="${todayX}" y2="${height}"/>`,
    `<text class="tl-axis" x="${todayX + 4}" y="18">today ${e(shortDate(timeline.from))}</text>`,
  ];
  return `<svg class="tl" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="tl-title tl-desc">
<title id="tl-title">Key expiries, alert dates and deletion dates over the next ${timelineDays} days, and what is overdue</title>
<desc id="tl-desc">${e(descriptionOf(timeline))}</desc>
<defs><path id="tl-expiry" d="M0-7l7 7-7 7-7-7z"/><rect id="tl-deletion" x="-6" y="-6" width="12" height="12"/></defs>
${axis.join('\n')}
${timeline.lanes.map((lane, index) => laneOf(lane, axisHeight + index * laneHeight, now)).join('\n')}
</svg>`;
}

function laneOf(lane: TimelineLane, top: number, now: Date): string {
  const y = top + 34;
  const marks = [
    ...lane.alerts.map(({ days, at }) => {
      const x = xOf(at, now, 'expiry');
      return `<line class="tl-alert" data-at="${e(at)}" data-days="${days}" x1="${x}" y1="${y - 6}" x2="${x}" y2="${y + 6}"/>`;
    }),
    ...(lane.expiresOn && Date.parse(lane.expiresOn) <= now.getTime() + timelineDays * dayMs
      ? [expiryMark(lane, lane.expiresOn, y, now)]
      : []),
    ...lane.deletions.map((deletion, index) => deletionMark(deletion, y, now, index === 0)),
  ];
  return `<g class="lane" data-key="${e(`${lane.vault}/${lane.key}`)}" data-status="${lane.status}">
<text class="lane-title" x="${todayX + 4}" y="${top + 18}"><tspan class="t-${lane.status}">${lane.status}</tspan> ${e(shortened(`${lane.vault}/${lane.key}`))}</text>
<line class="tl-track" x1="0" y1="${y}" x2="${endX}" y2="${y}"/>
${marks.join('\n')}
</g>`;
}

function expiryMark(lane: TimelineLane, expiresOn: string, y: number, now: Date): string {
  const x = xOf(expiresOn, now, 'expiry');
  const label = `${Date.parse(expiresOn) <= now.getTime() ? 'expired' : 'expires'} ${shortDate(expiresOn)}`;
  return `<use class="mark expiry f-${lane.status}" href="#tl-expiry" x="${x}" y="${y}" data-at="${e(expiresOn)}"/>${labelOf(label, x, y)}`;
}

/** A deletion day's mark; only the lane's first is labelled and names its environments, as the table beside lists them all. */
function deletionMark(deletion: TimelineDeletion, y: number, now: Date, labelled: boolean): string {
  const x = xOf(deletion.at, now, 'deletion');
  const mark = `<use class="mark deletion f-outage" href="#tl-deletion" x="${x}" y="${y}" data-at="${e(deletion.at)}" data-count="${deletion.count}"`;
  if (!labelled) return `${mark}/>`;
  const others = deletion.count - deletion.environments.length;
  const names = `${deletion.environments.map((environment) => environment.displayName).join(', ')}${others ? ` and ${others} more` : ''}`;
  const label = `${deletion.count === 1 ? '' : `${deletion.count} `}deleted ${shortDate(deletion.at)}`;
  return `${mark}><title>${e(`${names}: deleted on ${deletion.at.slice(0, 10)} unless key access is restored`)}</title></use>${labelOf(label, x, y)}`;
}

function labelOf(text: string, x: number, y: number): string {
  const left = x > endX - labelRoom;
  return `<text x="${round(left ? x - 10 : x + 10)}" y="${y}" dominant-baseline="central"${left ? ' text-anchor="end"' : ''}>${e(text)}</text>`;
}

/** Where `at` is drawn: in the overdue band when it is past, else its day after today. */
function xOf(at: string, now: Date, kind: keyof typeof overdueX): number {
  const days = (Date.parse(at) - now.getTime()) / dayMs;
  return days < 0 ? overdueX[kind] : round(todayX + days * perDay);
}

const round = (value: number) => Math.round(value * 100) / 100;

/** A key's name as its lane's title: long ones are cut, as the table beside gives them whole. */
const shortened = (name: string) => (name.length > maxTitle ? `${name.slice(0, maxTitle - 1)}…` : name);

function descriptionOf({ lanes }: Timeline): string {
  const counts = countByStatus(lanes);
  const worst = statuses.filter((status) => counts[status]).sort((a, b) => statusRank[b] - statusRank[a]);
  return `${lanes.length} key${lanes.length === 1 ? '' : 's'}, worst first: ${worst.map((status) => `${counts[status]} ${status}`).join(', ')}. The table beside it lists every date.`;
}

function thresholdsText({ lanes }: Timeline): string {
  const days = [...new Set(lanes.flatMap((lane) => lane.alerts.map((alert) => alert.days)))].sort((a, b) => b - a);
  return days.length ? `${days.join(', ')} days before expiry` : 'days before expiry';
}

function tableOf(timeline: Timeline, now: Date): string {
  const rows = timeline.lanes.map(
    (
      lane,
    ) => `<tr><td><span class="badge bg-${lane.status}">${lane.status}</span> ${e(`${lane.vault}/${lane.key}`)}</td>
<td>${lane.expiresOn ? `${Date.parse(lane.expiresOn) <= now.getTime() ? 'expired' : 'expires'} ${e(dateAndDays(lane.expiresOn, now))}${lane.alerts.length ? `<span class="id">alerts: ${lane.alerts.map((alert) => `<span class="nowrap">${alert.at.slice(0, 10)} (${alert.days} d)</span>`).join(', ')}</span>` : ''}` : '—'}</td>
<td>${deletionsText(lane, now)}</td></tr>`,
  );
  return `<table class="lanes"><caption>The timeline as a table</caption><thead><tr><th>Key</th><th>Expiry and alerts</th><th>Deleted unless access is restored</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

/** The lane's first deletion days, with the environments of each. */
function deletionsText({ deletions }: TimelineLane, now: Date): string {
  if (!deletions.length) return '—';
  const listed = deletions.slice(0, listedDeletionDays).map((deletion) => {
    const others = deletion.count - deletion.environments.length;
    return `${e(dateAndDays(deletion.at, now))}: ${deletion.environments.map((environment) => e(environment.displayName)).join(', ')}${others ? ` and ${others} more` : ''}`;
  });
  const later = deletions.length - listedDeletionDays;
  return `${listed.join('<br>')}${later > 0 ? `<br>and on ${later} later day${later === 1 ? '' : 's'}` : ''}`;
}

/**
 * The dashboard at the bench tenant's size, as `GET /api/dashboard` makes it: its read model from the stores the scan
 * filled (Azurite), then the HTML. Run after the scans; fails when the page does not show what the scan stored.
 */
import { performance } from 'node:perf_hooks';
import type { Config } from '../shared/config.js';
import type { Services } from '../shared/composition/index.js';
import type { Status } from '../shared/domain/model.js';
import { readDashboard } from '../shared/application/views/dashboard.js';
import { renderDashboard } from '../shared/adapters/web/dashboardPage.js';
import { decodeDashboardQuery } from '../shared/adapters/web/dashboardQuery.js';
import { scheduleIntervalMs } from '../shared/schedule.js';
import { quick } from './quick.js';

/** The targets of issue 27 at 20,000 environments. */
const budget = { kib: 200, ms: 1_000 };

export interface DashboardFigures {
  runs: number;
  kib: number;
  /**
   * A cold instance's first page (a new store reads every partition), in milliseconds: the figure held to the target.
   * Then medians on a warm instance, whose status store reads a partition again only when its stamp moved.
   */
  coldMs: number;
  /**
   * A new instance that finds no snapshot to start from (after an upgrade, or when every partition was written since
   * its last list): every status row is read. Printed, not held to the target: the scan's own list saves them.
   */
  noSnapshotMs: number;
  readMs: number;
  renderMs: number;
  totalMs: number;
  incidents: number;
  incidentRows: number;
  lanes: number;
  /** Each store read the page makes, alone, once (they run at once in the page). */
  reads: Record<string, number>;
}

export async function measureDashboard(
  services: Services,
  config: Config,
  expected: Record<Status, number>,
  coldInstance: () => Services,
  dropSnapshots: () => Promise<void>,
): Promise<DashboardFigures> {
  const runs = quick ? 3 : 7;
  const stores = await services.stores();
  const settings = {
    scanIntervalMs: scheduleIntervalMs(config.scanSchedule),
    thresholdsDays: config.alerts.thresholdsDays,
  };
  const query = decodeDashboardQuery(new URLSearchParams());
  const links = { dashboardPath: '/api/dashboard', code: null };
  const coldStores = await coldInstance().stores();
  const coldStarted = performance.now();
  renderDashboard(await readDashboard(coldStores, settings, query), links, query);
  const coldMs = performance.now() - coldStarted;
  await dropSnapshots();
  const bareStores = await coldInstance().stores();
  const bareStarted = performance.now();
  const bare = await readDashboard(bareStores, settings, query);
  renderDashboard(bare, links, query);
  const noSnapshotMs = performance.now() - bareStarted;
  const samples: { read: number; render: number; bytes: number }[] = [];
  let html = '';
  let dashboard: Awaited<ReturnType<typeof readDashboard>> | null = null;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    dashboard = await readDashboard(stores, settings, query);
    const read = performance.now();
    html = renderDashboard(dashboard, links, query);
    samples.push({ read: read - started, render: performance.now() - read, bytes: Buffer.byteLength(html) });
  }
  if (!dashboard) throw new Error('the dashboard was not rendered');
  const wrong = (Object.keys(expected) as Status[]).filter(
    (status) => dashboard.byStatus[status] !== expected[status] || bare.byStatus[status] !== expected[status],
  );
  if (wrong.length)
    throw new Error(
      `the dashboard counts ${JSON.stringify(dashboard.byStatus)}, the scan stored ${JSON.stringify(expected)}`,
    );
  const incidents = dashboard.list.kind === 'incidents' ? dashboard.list.page : null;
  const incidentRows = html.split('<tr class="incident">').length - 1;
  if (!incidents?.total || incidentRows !== incidents.items.length)
    throw new Error(`the page shows ${incidentRows} incident rows of ${incidents?.total ?? 0} incidents`);
  const alone = await coldInstance().stores();
  return {
    runs,
    coldMs,
    noSnapshotMs,
    kib: median(samples.map((sample) => sample.bytes)) / 1024,
    readMs: median(samples.map((sample) => sample.read)),
    renderMs: median(samples.map((sample) => sample.render)),
    totalMs: median(samples.map((sample) => sample.read + sample.render)),
    incidents: incidents.total,
    incidentRows,
    lanes: dashboard.timeline.lanes.length + dashboard.timeline.moreLanes,
    reads: await timeEach({
      statuses: () => alone.statuses.list(),
      'recent changes': () => alone.statuses.recentHistory(15),
      chains: () => alone.chains.list(),
      alerts: () => Promise.all([alone.alerts.list(15), alone.alerts.waiting()]),
      scans: () => Promise.all([alone.scans.last(), alone.scans.lastAudit(), alone.scans.lastFailure()]),
    }),
  };
}

async function timeEach(reads: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  for (const [name, read] of Object.entries(reads)) {
    const started = performance.now();
    await read();
    times[name] = performance.now() - started;
  }
  return times;
}

export function describeDashboard(figures: DashboardFigures, environments: number): string[] {
  const within = figures.kib < budget.kib && figures.coldMs < budget.ms;
  return [
    `  GET /api/dashboard (first page, no filter) at ${environments} environments: ${figures.kib.toFixed(1)} KB, ` +
      `${figures.coldMs.toFixed(0)} ms of function time on a cold instance; warm, ${figures.totalMs.toFixed(0)} ms ` +
      `(median of ${figures.runs}: reading the stores and the read model ${figures.readMs.toFixed(0)} ms, the HTML ${figures.renderMs.toFixed(0)} ms)`,
    `    a new instance starts from the snapshots the scan's list saved; with none to start from (after an upgrade), ` +
      `reading every status row: ${figures.noSnapshotMs.toFixed(0)} ms`,
    `    the reads alone, cold: ${Object.entries(figures.reads)
      .map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`)
      .join(', ')} (Azurite, sharing the machine)`,
    `    ${figures.incidents} incidents, ${figures.incidentRows} on the page; ${figures.lanes} keys with dates in the next 90 days; ` +
      `${within ? 'within' : '!! outside'} the targets at 20,000 environments (${budget.kib} KB, ${budget.ms / 1000} s)`,
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

import type { Config } from '../config.js';
import { scheduleIntervalMs } from '../schedule.js';
import { listAlerts, type AlertView } from '../application/views/alertView.js';
import { readDashboard, type Dashboard } from '../application/views/dashboard.js';
import type { DashboardQuery } from '../application/views/dashboardFilters.js';
import type { EnvironmentDetailView, EnvironmentView } from '../application/views/environmentView.js';
import type { HealthView } from '../application/views/health.js';
import { findEnvironment, listEnvironments, readHealth } from '../application/views/statusQueries.js';
import type { Stores } from './stores.js';

/** What the HTTP API reads: the read models over the stores (application/views/). */
export interface ApiViews {
  health(): Promise<HealthView>;
  /** Every monitored environment, most urgent first. */
  environments(): Promise<EnvironmentView[]>;
  /** One environment with its history and runbooks; null when the monitor holds no status for it. */
  environment(environmentId: string): Promise<EnvironmentDetailView | null>;
  alerts(): Promise<AlertView[]>;
  dashboard(query: DashboardQuery): Promise<Dashboard>;
}

/** The read models the HTTP API answers with, over `stores`. */
export function apiViews(config: Pick<Config, 'scanSchedule' | 'alerts'>, stores: () => Promise<Stores>): ApiViews {
  const scanIntervalMs = () => scheduleIntervalMs(config.scanSchedule);
  return {
    health: async () => readHealth(await stores(), scanIntervalMs()),
    environments: async () => listEnvironments(await stores()),
    environment: async (environmentId) => findEnvironment(await stores(), environmentId),
    alerts: async () => listAlerts(await stores()),
    dashboard: async (query) =>
      readDashboard(
        await stores(),
        { scanIntervalMs: scanIntervalMs(), thresholdsDays: config.alerts.thresholdsDays },
        query,
      ),
  };
}

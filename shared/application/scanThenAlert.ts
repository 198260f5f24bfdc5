import type { AlertRun } from './alerting.js';
import type { ScanSummary } from './scan.js';

export interface ScanThenAlertSteps {
  scan(log: (message: string) => void): Promise<ScanSummary>;
  alert(log: (message: string) => void): Promise<AlertRun>;
}

/** The timer's and `POST /api/scan`'s sequence: scan every chain, then alert on what the scan found. */
export async function scanThenAlert(steps: ScanThenAlertSteps, log: (message: string) => void): Promise<ScanSummary & { alerts: AlertRun }> {
  const summary = await steps.scan(log);
  return { ...summary, alerts: await steps.alert(log) };
}

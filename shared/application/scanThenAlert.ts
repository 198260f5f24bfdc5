import type { AlertRun } from './alerting.js';
import type { ScanSummary } from './scan.js';
import { scanFailed, type BlindSpot } from './sight.js';

export interface ScanThenAlertSteps {
  scan(log: (message: string) => void): Promise<ScanSummary>;
  alert(log: (message: string) => void): Promise<AlertRun>;
  /** Tells the monitor's own admins when it starts or stops being blind to part of the tenant; returns the alerts recorded. */
  sight(spots: BlindSpot[]): Promise<number>;
  /** Tells whoever watches from outside that a scan succeeded; never throws. */
  heartbeat(log: (message: string) => void): Promise<void>;
}

/**
 * The timer's and `POST /api/scan`'s sequence: scan every chain, ping the heartbeat, tell the monitor's admins what
 * it could not see, then alert on what the scan found. A scan that could not read the inventory is told too, then fails.
 */
export async function scanThenAlert(
  steps: ScanThenAlertSteps,
  log: (message: string) => void,
): Promise<ScanSummary & { alerts: AlertRun }> {
  let summary: ScanSummary;
  try {
    summary = await steps.scan(log);
  } catch (error) {
    await steps
      .sight([scanFailed(error)])
      .catch((failure: unknown) => log(`Degraded, and the monitor's admins could not be told: ${String(failure)}`));
    throw error;
  }
  await steps.heartbeat(log);
  await steps.sight(summary.blindSpots);
  return { ...summary, alerts: await steps.alert(log) };
}

import { describe, expect, it } from 'vitest';
import type { AlertRun } from '../../shared/application/alerting.js';
import type { ScanSummary } from '../../shared/application/scan.js';
import { scanThenAlert } from '../../shared/application/scanThenAlert.js';

describe('scan then alert', () => {
  it('alerts only once the scan has stored what it found, and reports both', async () => {
    const steps: string[] = [];
    const summary = { environments: 3 } as ScanSummary;
    const run: AlertRun = { queued: 1, sent: 1, failed: 0, waiting: 0 };
    const result = await scanThenAlert(
      {
        scan: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          steps.push('scan');
          return summary;
        },
        alert: async () => {
          steps.push('alert');
          return run;
        },
      },
      () => undefined,
    );
    expect(steps).toEqual(['scan', 'alert']);
    expect(result).toEqual({ environments: 3, alerts: run });
  });
});

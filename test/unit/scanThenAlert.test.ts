import { describe, expect, it } from 'vitest';
import type { AlertRun } from '../../shared/application/alerting.js';
import type { ScanSummary } from '../../shared/application/scan.js';
import { scanThenAlert } from '../../shared/application/scanThenAlert.js';
import type { BlindSpot } from '../../shared/application/sight.js';

const run: AlertRun = { queued: 1, sent: 1, failed: 0, waiting: 0 };
const blind: BlindSpot = {
  code: 'links-not-seen',
  reason: 'ARM lists 2 encryption policies, but no environment links to any',
};

describe('scan then alert', () => {
  it("pings the heartbeat, tells the monitor's admins what the scan could not see, then alerts once the scan has stored what it found", async () => {
    const steps: string[] = [];
    const summary = { environments: 3, blindSpots: [blind] } as ScanSummary;
    const result = await scanThenAlert(
      {
        scan: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          steps.push('scan');
          return summary;
        },
        heartbeat: async () => {
          steps.push('heartbeat');
        },
        sight: async (spots) => {
          steps.push(`sight ${spots.map((spot) => spot.code).join(',')}`);
          return 1;
        },
        alert: async () => {
          steps.push('alert');
          return run;
        },
      },
      () => undefined,
    );
    expect(steps).toEqual(['scan', 'heartbeat', 'sight links-not-seen', 'alert']);
    expect(result).toEqual({ ...summary, alerts: run });
  });

  it('tells them a scan that could not read the inventory failed, with the reason, and fails without a heartbeat', async () => {
    const told: BlindSpot[][] = [];
    let pinged = 0;
    const refused = Object.assign(new Error('GET https://api.bap.microsoft.com/providers/… answered 403: Forbidden'), {
      statusCode: 403,
    });
    await expect(
      scanThenAlert(
        {
          scan: async () => Promise.reject(refused),
          heartbeat: async () => {
            pinged++;
          },
          sight: async (spots) => told.push(spots),
          alert: async () => run,
        },
        () => undefined,
      ),
    ).rejects.toBe(refused);
    expect(pinged).toBe(0);
    expect(told).toEqual([
      [
        {
          code: 'scan-failed',
          reason:
            'The inventory could not be read: GET https://api.bap.microsoft.com/providers/… answered 403: Forbidden',
        },
      ],
    ]);
  });
});

import type { Recipients } from '../domain/alerts/recipients.js';

/** What the alerting use cases read of the settings: who hears what, when key-expiring alerts, the dashboard to link. */
export interface AlertSettings extends Recipients {
  /** Who hears that the monitor itself cannot see part of the tenant; empty: both admin lists. */
  monitorAdmins: string[];
  /** Days before a key expires at which key-expiring alerts, most distant first. */
  thresholdsDays: number[];
  dashboardUrl: string | null;
}

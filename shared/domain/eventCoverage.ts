/** Whether a vault's Key Vault events reach the monitor, evaluated from its Event Grid system topic. Pure data. */

/** The function of the monitor that Key Vault events are delivered to. */
export const vaultEventsFunction = 'keyVaultEvents';

export interface EventDestination {
  endpointType: string;
  /** For an AzureFunction destination: `<function app id>/functions/<name>`. */
  resourceId: string | null;
}

export type VaultEvents =
  | { vaultId: string; vaultName: string; coverage: 'covered' | 'not-covered' | 'timer-only' }
  | { vaultId: string; vaultName: string; coverage: 'unknown'; detail: string };

/** True when one of the destinations is the vault-events function of the monitor's function app. */
export function reachesMonitor(destinations: EventDestination[], functionAppId: string): boolean {
  const wanted = `${trimSlashes(functionAppId)}/functions/${vaultEventsFunction}`.toLowerCase();
  return destinations.some(
    ({ endpointType, resourceId }) =>
      endpointType.toLowerCase() === 'azurefunction' &&
      !!resourceId &&
      trimSlashes(resourceId).toLowerCase() === wanted,
  );
}

export interface EventCoverageSummary {
  /** Vaults whose events reach the monitor. */
  covered: number;
  /** Vaults the scan watched. */
  vaults: number;
  /** Vaults changes reach only at the next scan, by name. */
  notCovered: string[];
  /** Vaults whose event wiring could not be read, by name. */
  unknown: string[];
  /** Managed HSMs, which publish no Event Grid events: changes reach the monitor at the next scan, by name. */
  timerOnly: string[];
}

export function summarizeCoverage(vaults: VaultEvents[]): EventCoverageSummary {
  const named = (coverage: VaultEvents['coverage']) =>
    vaults
      .filter((vault) => vault.coverage === coverage)
      .map((vault) => vault.vaultName)
      .sort();
  return {
    covered: named('covered').length,
    vaults: vaults.length,
    notCovered: named('not-covered'),
    unknown: named('unknown'),
    timerOnly: named('timer-only'),
  };
}

/** "events: 7 of 8 vaults; kv-x only by the scan every hour". */
export function coverageLine(summary: EventCoverageSummary, scanEvery: string | null): string {
  const scan = `the scan${scanEvery ? ` ${scanEvery}` : ''}`;
  const parts = [`events: ${summary.covered} of ${summary.vaults} vaults`];
  if (summary.notCovered.length) parts.push(`${summary.notCovered.join(', ')} only by ${scan}`);
  if (summary.timerOnly.length)
    parts.push(`${summary.timerOnly.join(', ')} only by ${scan} (Managed HSM publishes no events)`);
  if (summary.unknown.length)
    parts.push(`${summary.unknown.join(', ')} not known (its Event Grid topics could not be read)`);
  return parts.join('; ');
}

function trimSlashes(id: string): string {
  return id.replace(/\/+$/, '');
}

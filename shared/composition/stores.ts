import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Config } from '../config.js';
import { patientThrottling } from '../adapters/azure/throttling.js';
import { AlertStore } from '../adapters/tables/alertStore.js';
import { IncidentLedger } from '../adapters/tables/incidentLedger.js';
import { RefusalStore } from '../adapters/tables/refusalStore.js';
import { EventStore } from '../adapters/tables/eventStore.js';
import { InventoryStore } from '../adapters/tables/inventoryStore.js';
import { ChainStore } from '../adapters/tables/chainStore.js';
import { ScanStore } from '../adapters/tables/scanStore.js';
import { StatusStore } from '../adapters/tables/statusStore.js';
import { openTables } from '../adapters/tables/tables.js';
import type {
  ChainPort,
  EventPort,
  LedgerPort,
  LinkPort,
  OutboxPort,
  RefusalPort,
  ScanPort,
  StatusPort,
} from '../application/ports/stores.js';
import type { AzureClients } from './azure.js';

/** What the use cases keep and read back, as the ports of application/ports/stores.ts; adapters/tables/ implements them. */
export interface Stores {
  statuses: StatusPort;
  chains: ChainPort;
  links: LinkPort;
  scans: ScanPort;
  events: EventPort;
  alerts: OutboxPort;
  ledger: LedgerPort;
  refusals: RefusalPort;
}

/** One set of stores for the app, opened on first use (a failed open is tried again): the event counter gathers the increments of concurrent invocations. */
export function storesOnce(
  config: Config,
  azure: AzureClients,
  tablePolicies: PipelinePolicy[],
): () => Promise<Stores> {
  const tables = openTables(config, azure.credential, {
    additionalPolicies: [
      ...tablePolicies.map((policy) => ({ policy, position: 'perCall' as const })),
      { policy: patientThrottling, position: 'perCall' as const },
      { policy: azure.throttles.policy('storage'), position: 'perRetry' as const },
    ],
  });
  const open = async (): Promise<Stores> => {
    const [statuses, chains, links, scans, events, alerts, refusals] = await Promise.all([
      tables.get('Status'),
      tables.get('Chains'),
      tables.get('Inventory'),
      tables.get('Scans'),
      tables.get('Events'),
      tables.get('Alerts'),
      tables.get('Refusals'),
    ]);
    return {
      statuses: new StatusStore(statuses),
      chains: new ChainStore(chains),
      links: new InventoryStore(links),
      scans: new ScanStore(scans),
      events: new EventStore(events),
      alerts: new AlertStore(alerts),
      ledger: new IncidentLedger(alerts),
      refusals: new RefusalStore(refusals, config.refusalQuietMinutes * 60_000),
    };
  };
  let opened: Promise<Stores> | undefined;
  return () => {
    opened ??= open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
}

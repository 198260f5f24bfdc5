/**
 * The composition root: builds the use cases once from config.ts (validated settings) and decides nothing. One module
 * per concern: azure.ts (clients, truth readers, inventory, event coverage), stores.ts, alerting.ts, scan.ts, events.ts
 * (Event Grid and audit records), upkeep.ts (what-if, retention), views.ts (the API's read models); services.ts holds
 * the `Services` they build and rules.ts what the rules are given.
 */
import { loadConfig, type Config } from '../config.js';
import { LastInventory } from '../application/lastInventory.js';
import { alertingServices } from './alerting.js';
import { azureClients, truthReaders, type Wiring } from './azure.js';
import { auditServices, eventServices } from './events.js';
import { scanServices } from './scan.js';
import type { Services } from './services.js';
import { storesOnce } from './stores.js';
import { upkeepServices } from './upkeep.js';
import { apiViews } from './views.js';

export type { Wiring } from './azure.js';
export type { Services } from './services.js';
export type { Stores } from './stores.js';
export { apiViews, type ApiViews } from './views.js';

/** Builds every gateway once; the clients inside keep their connections and tokens across invocations. */
export function createServices(config: Config, wiring: Wiring = {}): Services {
  const azure = azureClients(wiring);
  const stores = storesOnce(config, azure, wiring.tablePolicies ?? []);
  const lastInventory = new LastInventory();
  const links = async () => lastInventory.links(await stores());
  const truth = truthReaders(config, azure);
  const alerting = alertingServices(config, stores, links, { credential: azure.credential, ca: wiring.ca });
  const events = eventServices(config, stores, links, truth, alerting.alert);
  return {
    config,
    stores,
    ...scanServices(config, azure, truth, stores, alerting),
    ...alerting,
    ...events,
    ...auditServices(config, stores, links, events.reevaluateThenAlert),
    ...upkeepServices(config, stores, links),
    views: apiViews(config, stores),
  };
}

let current: Services | undefined;

/** The app's services, configured from the app settings on first use: a bad setting fails that invocation, not the import. */
export function services(): Services {
  current ??= createServices(loadConfig(process.env));
  return current;
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventDefinitions } from '../../functions/events.js';
import { hostListener } from '../../sandbox/host/listener.js';
import { scanScenario } from '../integration/scan/scenario.js';
import { startWorld, type World } from './world.js';

export interface Webhook {
  /** `http://127.0.0.1:<port>/runtime/webhooks/eventgrid`, without the function name. */
  base: string;
  close(): void;
}

/** The production event functions behind the local host's Event Grid webhook, on a free port. */
export async function startWebhook(world: World): Promise<Webhook> {
  const functions = eventDefinitions(() => world.services).flatMap((d) =>
    d.trigger === 'eventGrid' ? [{ name: d.name, options: d.options }] : [],
  );
  const server = createServer(hostListener({ http: [], eventGrid: functions }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/eventgrid`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** The scan test tenant, scanned once, behind the webhook: where the event tests start. */
export async function startScannedWebhook(): Promise<{ world: World; webhook: Webhook }> {
  const world = await startWorld(scanScenario());
  await world.services.scan(() => undefined);
  return { world, webhook: await startWebhook(world) };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environment, healthyVaultOf, key, policy, version } from '../../support/scenarioParts.js';
import { startWorld, type World } from '../../support/world.js';
import { guid } from '../scan/scenario.js';

const principal = guid(601);
const scenario = {
  subscriptionId: '11111111-1111-4111-8111-111111111111',
  vaults: [healthyVaultOf('kv-beat', [principal], [key('k', [version(30, 300)])])],
  policies: [policy('cmk-beat', 'kv-beat', 'k', principal)],
  environments: [environment(guid(611), 'Beating', 'cmk-beat')],
};

/** A dead-man's-switch service: it records each ping, and answers with `status`. */
let pings: string[];
let status: number;
let server: Server;
let url: string;
const worlds: World[] = [];

beforeAll(async () => {
  pings = [];
  status = 200;
  server = createServer((request, response) => {
    pings.push(`${request.method} ${request.url}`);
    response.writeHead(status).end('OK');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/5f1c2b7e-0c1d-4a8e-9d6f-1a2b3c4d5e6f`;
});
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.stop()));
  await new Promise((resolve) => server.close(resolve));
});

async function world(heartbeatUrl: string): Promise<World> {
  const started = await startWorld(scenario, { heartbeatUrl });
  worlds.push(started);
  return started;
}

describe('the heartbeat', () => {
  it('is pinged once after each successful scan, never after a failed one', async () => {
    const monitor = await world(url);
    await monitor.services.scanThenAlert(() => undefined);
    expect(pings).toEqual(['GET /ping/5f1c2b7e-0c1d-4a8e-9d6f-1a2b3c4d5e6f']);
    monitor.double.fault('powerPlatform', { status: 403 });
    await expect(monitor.services.scanThenAlert(() => undefined)).rejects.toMatchObject({ statusCode: 403 });
    expect(pings).toHaveLength(1);
  });

  it('that fails is logged without its URL, and the scan and its alerts go on', async () => {
    pings.length = 0;
    status = 503;
    const monitor = await world(url);
    const log: string[] = [];
    const run = await monitor.services.scanThenAlert((line) => log.push(line));
    expect(run.environments).toBe(1);
    expect(pings).toHaveLength(1);
    expect(log).toContain('Heartbeat not sent: answered 503');
    expect(log.join('\n')).not.toContain('5f1c2b7e');

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await world(`https://127.0.0.1:${port}/ping/5f1c2b7e-0c1d-4a8e-9d6f-1a2b3c4d5e6f`);
    const more: string[] = [];
    await unreachable.services.scanThenAlert((line) => more.push(line));
    expect(more).toContain('Heartbeat not sent: ECONNREFUSED');
  });
});

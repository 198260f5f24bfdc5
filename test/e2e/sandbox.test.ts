import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../sandbox/azurite.js';

const environmentId = '7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
const scenario = {
  subscriptionId: '22222222-2222-4222-8222-222222222222',
  vaults: [
    {
      name: 'kv-e2e', resourceGroup: 'rg', softDelete: true, purgeProtection: true, rbac: true,
      publicNetworkAccess: 'Enabled', networkDefaultAction: 'Allow', trustedServicesBypass: true,
      roleAssignments: [{ principalId: '33333333-3333-4333-8333-333333333333', roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6', scope: 'vault' }],
      keys: [{ name: 'k-e2e', kty: 'RSA', size: 2048, versions: [{ enabled: false, createdDaysAgo: 40, expiresInDays: 300 }] }],
    },
  ],
  policies: [{ name: 'cmk-e2e', resourceGroup: 'rg', location: 'europe', vault: 'kv-e2e', key: 'k-e2e', principalId: '33333333-3333-4333-8333-333333333333' }],
  environments: [{ id: environmentId, displayName: 'E2E (prod)', location: 'europe', sku: 'Production', managed: true, policy: 'cmk-e2e' }],
};

let sandbox: ChildProcess;
let base: string;
let output = '';

async function waitForReady(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (output.includes('sandbox ready')) return;
    if (sandbox.exitCode !== null) throw new Error(`npm start exited ${sandbox.exitCode}:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`npm start was not ready in time:\n${output}`);
}

/** Every process in the sandbox's process group, as Ctrl-C in a terminal would reach them. */
function processGroup(pgid: number): number[] {
  try {
    return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cmk-e2e-'));
  const file = join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(scenario));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  sandbox = spawn('npm', ['start', '--', '--scenario', file, '--port', String(port)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  sandbox.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  sandbox.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForReady(Date.now() + 45_000);
}, 60_000);

afterAll(() => {
  if (sandbox?.pid && processGroup(sandbox.pid).length) process.kill(-sandbox.pid, 'SIGKILL');
});

describe('npm start', () => {
  it('serves the scenario through the HTTP interface after its first scan', async () => {
    const environments = (await (await fetch(`${base}/api/environments`)).json()) as { id: string; status: string; findings: { rule: string }[] }[];
    expect(environments).toEqual([expect.objectContaining({ id: environmentId, status: 'outage', findings: [expect.objectContaining({ rule: 'key-disabled' })] })]);
    const health = (await (await fetch(`${base}/api/health`)).json()) as { status: string; lastScanAt: string | null };
    expect(health.status).toBe('ok');
    expect(health.lastScanAt).not.toBeNull();
  });

  it('writes where everything is to .sandbox/endpoints.json', () => {
    const file = join(process.cwd(), '.sandbox', 'endpoints.json');
    expect(existsSync(file)).toBe(true);
    const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(endpoints).toMatchObject({ functions: base, vaults: { 'kv-e2e': expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/$/) } });
    expect(Object.keys(endpoints)).toEqual(expect.arrayContaining(['functions', 'arm', 'powerPlatform', 'vaults', 'caCert', 'smtp', 'mailUi', 'tables']));
  });

  it('stops every process it started on Ctrl-C', async () => {
    const pgid = sandbox.pid!;
    expect(processGroup(pgid).length).toBeGreaterThanOrEqual(4);
    process.kill(-pgid, 'SIGINT');
    const deadline = Date.now() + 15_000;
    while (processGroup(pgid).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(processGroup(pgid)).toEqual([]);
  }, 20_000);
});

/**
 * npm run bench (third part) — a flood: 8 Event Grid batches of 2,000 events each (200 with --quick), all in flight at
 * once, POSTed to the production event function served by the local host in its own process (so its memory is its
 * own), against the benchmark tenant (100 keys, 2,000 environments; 5 ms added to every Azure request; Azurite).
 *
 * Each batch holds KeyNearExpiry events for the policy keys in turn (20 for each of the default tenant's 100), as a
 * redelivery storm or a mass re-dating would send them. The host has scanned at start-up, so every event names a key
 * behind environments and its chain is re-read. Printed: the wall time to the last 200, events per second, the events
 * the host counted, the Key Vault and ARM requests (the re-reads) per event, and the host's peak resident memory
 * (VmHWM) against its memory once it had started and scanned, the floor. A flood that re-read nothing fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../sandbox/azurite.js';
import { monitorFunctionAppId } from '../sandbox/double/armEventGrid.js';
import type { AzureDouble } from '../sandbox/double/index.js';
import { createServices } from '../shared/composition/index.js';
import { quick } from './quick.js';
import { latencyMs, startBenchWorld } from './world.js';

const batches = 8;
const perBatch = quick ? 200 : 2_000;
/** Event Grid waits 30 s for an answer before it counts a delivery as failed (learn.microsoft.com/azure/event-grid/delivery-and-retry). */
const eventGridTimeoutMs = 30_000;
/** How long the bench waits for a batch before it reports it unanswered. */
const giveUpMs = 120_000;

async function main(): Promise<void> {
  const world = await startBenchWorld('benchFlood', 8);
  const folder = await mkdtemp(join(tmpdir(), 'cmk-flood-'));
  let host: ChildProcess | undefined;
  try {
    const caFile = join(folder, 'ca.pem');
    await writeFile(caFile, world.double.ca);
    const port = await freePort();
    host = await startHost(world.double, world.config.tables, caFile, port);
    const startedKb = await memoryKb(host, 'VmRSS');
    const { events: counter } = await createServices(world.config, { ca: world.double.ca }).stores();
    const countedBefore = await counter.counts(new Date());
    const url = `http://127.0.0.1:${port}/runtime/webhooks/eventgrid?functionName=keyVaultEvents`;

    console.log('CMK monitor flood benchmark');
    console.log(
      `tenant: ${world.scenario.policies.length} policies, ${world.scenario.environments.length} environments; +${latencyMs} ms per Azure request`,
    );
    console.log(`flood: ${batches} batches of ${perBatch} KeyNearExpiry events, all in flight at once`);

    world.double.resetRequests();
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: batches }, async () => {
        const body = JSON.stringify(batch(world.double));
        const sent = performance.now();
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
            body,
            signal: AbortSignal.timeout(giveUpMs),
          });
          await response.text();
          return { status: String(response.status), ms: performance.now() - sent };
        } catch {
          return { status: `no answer in ${ms(giveUpMs)}`, ms: giveUpMs };
        }
      }),
    );
    const wallMs = performance.now() - started;
    const events = batches * perBatch;
    const azure = Object.entries(world.double.requests())
      .filter(([kind]) => kind.startsWith('keyvault.') || kind.startsWith('arm.'))
      .reduce((sum, [, n]) => sum + n, 0);
    const peakKb = await memoryKb(host, 'VmHWM');
    const countedAfter = await counter.counts(new Date());
    const counted = (outcome: keyof typeof countedAfter) => countedAfter[outcome] - countedBefore[outcome];

    const slowest = Math.max(...answers.map((answer) => answer.ms));
    console.log(
      `\nanswers: ${answers.map((answer) => answer.status).join(' ')}; slowest batch ${ms(slowest)} (Event Grid waits ${ms(eventGridTimeoutMs)}: ${(eventGridTimeoutMs / slowest).toFixed(1)}× inside)`,
    );
    console.log(`  wall time ${ms(wallMs)}, ${(events / (wallMs / 1000)).toFixed(0)} events/s`);
    console.log(
      `  events sent ${events}; counted by the host: ${counted('processed')} processed (environments behind them), ` +
        `${counted('unaffected')} unaffected, ${counted('ignored')} ignored, ${counted('rejected')} rejected`,
    );
    console.log(`  Key Vault + ARM requests (chain re-reads) ${azure} (${(azure / events).toFixed(3)} per event)`);
    console.log(
      `  host peak RSS ${mb(peakKb)} MB; after start-up and its first scan ${mb(startedKb)} MB (floor): ${(peakKb / startedKb).toFixed(2)}×`,
    );
    if (answers.some((answer) => answer.status !== '200')) throw new Error('a batch was not acknowledged');
    if (!azure) throw new Error(`${events} events made no Key Vault or ARM request: the flood re-read nothing`);
  } finally {
    host?.kill('SIGINT');
    await rm(folder, { recursive: true, force: true });
    await world.stop();
  }
}

/** 20 KeyNearExpiry events for each policy key, in the Event Grid schema, as small as Azure sends them: 2,000 fit in Event Grid's 1 MB. */
function batch(double: AzureDouble): object[] {
  const { state } = double;
  return Array.from({ length: perBatch }, (_, i) => {
    const policy = state.policies[i % state.policies.length];
    if (!policy) throw new Error('the bench tenant has no policy');
    const vault = state.requireVault(policy.vaultName);
    const version = state.requireKeyVersion(policy.vaultName, policy.keyName, undefined);
    return {
      id: `f${i}-${Math.random().toString(36).slice(2, 8)}`,
      topic: state.vaultId(vault),
      subject: policy.keyName,
      eventType: 'Microsoft.KeyVault.KeyNearExpiry',
      eventTime: new Date().toISOString(),
      data: {
        Id: `${vault.uri}keys/${policy.keyName}/${version.id}`,
        VaultName: vault.name,
        ObjectType: 'Key',
        ObjectName: policy.keyName,
        Version: version.id,
        EXP: version.expiresOn ? Math.floor(version.expiresOn.getTime() / 1000) : null,
      },
      dataVersion: '1',
    };
  });
}

async function startHost(
  double: AzureDouble,
  tables: { kind: string; connectionString?: string },
  caFile: string,
  port: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/host/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      SUBSCRIPTION_IDS: double.subscriptionId,
      FUNCTION_APP_ID: monitorFunctionAppId(double.subscriptionId),
      ARM_ENDPOINT: double.armEndpoint,
      POWER_PLATFORM_ENDPOINT: double.powerPlatformEndpoint,
      TABLES_CONNECTION_STRING: tables.connectionString ?? '',
      TABLE_PREFIX: 'benchFlood',
      // The start-up scan records the links an event is evaluated against: without it, every event is behind nothing.
      SCAN_SCHEDULE: '0 0 * * * *',
      'AzureWebJobs.alertDigest.Disabled': 'true',
      IDENTITY_ENDPOINT: double.identityEndpoint,
      IDENTITY_HEADER: double.identityHeader,
      NODE_EXTRA_CA_CERTS: caFile,
      SCAN_CONCURRENCY: '8',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the function host exited with ${code} before it was ready`)));
  });
  return child;
}

/** A line of /proc/<pid>/status in kB: VmRSS now, VmHWM the peak (Linux). */
async function memoryKb(child: ChildProcess, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const mb = (kb: number) => (kb / 1024).toFixed(0);

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  },
);

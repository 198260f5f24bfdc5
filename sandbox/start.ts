/**
 * `npm start`: the whole monitor on one machine, no Azure account. Azurite tables, the Azure double (its own
 * process, publishing the Event Grid events Azure would and streaming Key Vault's audit records a few seconds late,
 * with Power Platform calling every policy's key), and the function app on http://127.0.0.1:$PORT
 * through the local host, which runs one scan before it reports ready. The tables are kept on disk, one store per
 * scenario file (`--fresh` empties it first). A child that exits is restarted; Ctrl-C or SIGTERM stops every child.
 *
 *   npm start -- [--scenario FILE] [--port N] [--fresh]
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { InventoryStore } from '../shared/adapters/tables/inventoryStore.js';
import { openTables } from '../shared/adapters/tables/tables.js';
import { azuriteArgs, azuriteStarted, freePort, noTokenCredential, tablesConnectionString } from './azurite.js';
import { monitorFunctionAppId } from './double/armEventGrid.js';
import { monitorIdentity } from './double/identity.js';
import { seedUnlinks } from './history.js';
import { parseScenario } from './scenario.js';
import { Supervisor, type Child } from './supervisor.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { scenario: { type: 'string' }, port: { type: 'string' }, fresh: { type: 'boolean' } },
});
const scenario = resolve(values.scenario ?? join(root, 'sandbox', 'scenarios', 'demo.json'));
const port = Number(values.port ?? process.env.PORT ?? 7071);
const stateDir = join(root, '.sandbox');
/** Where Azurite keeps this scenario's tables: named after the file, and told apart by its full path. */
const store = join(
  stateDir,
  'store',
  `${basename(scenario, extname(scenario)).replace(/[^\w-]+/g, '-')}-${createHash('sha256').update(scenario).digest('hex').slice(0, 8)}`,
);
const caCert = join(stateDir, 'ca.pem');
const functions = `http://127.0.0.1:${port}`;
const eventGrid = `${functions}/runtime/webhooks/eventgrid`;
const eventHub = `${functions}/runtime/webhooks/eventhub`;
/** Key Vault's audit records reach the function this late (Azure: up to 10 minutes); Power Platform calls this often. */
const auditDelayMs = 3000;
const powerPlatformCallsMs = 5000;
const tablePrefix = 'sandbox';

interface DoubleEndpoints {
  armEndpoint: string;
  powerPlatformEndpoint: string;
  vaultUris: Record<string, string>;
  identityEndpoint: string;
  identityHeader: string;
  subscriptionId: string;
  ca: string;
}

let stopping = false;
const supervisor = new Supervisor({
  log: (line) => console.error(`[sandbox] ${line}`),
  giveUp: (reason) => {
    console.error(`[sandbox] ${reason}: stopping the sandbox.`);
    void stop(1);
  },
});

let tablesPort = 0;
const azurite: Child = {
  name: 'Azurite (Table Storage)',
  // On the port it was first given (the function host has it), which is tried anew if another process took it first.
  async start() {
    for (let attempt = 1; ; attempt++) {
      const port = tablesPort || (await freePort());
      // In a process group of its own: Ctrl-C reaches the sandbox's group, and Azurite, which saves its tables on its
      // first SIGINT and dies at once on a second, must get exactly one, the supervisor's, to keep the last writes.
      const child = supervisor.spawn(process.execPath, azuriteArgs(port, store), {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      try {
        await azuriteStarted(child);
        tablesPort = port;
        return child;
      } catch (error) {
        if (tablesPort || attempt >= 3) throw error;
      }
    }
  },
};

let endpoints: DoubleEndpoints;
const double: Child = {
  name: 'Azure double',
  async start() {
    const child = startChild([
      'sandbox/double/main.ts',
      '--scenario',
      scenario,
      '--events',
      eventGrid,
      '--audit',
      eventHub,
      '--audit-delay-ms',
      String(auditDelayMs),
      '--power-platform-calls-ms',
      String(powerPlatformCallsMs),
    ]);
    endpoints = await firstJsonLine<DoubleEndpoints>(child, 'Azure double');
    await writeFile(caCert, endpoints.ca);
    return child;
  },
  // Its ports and CA are new, and the function host reads them at start.
  async restarted() {
    await writeEndpoints();
    await supervisor.restart(host, "to take the Azure double's new endpoints");
  },
};

const mail = { smtpPort: 0, webPort: 0, ui: '' };
/** MailDev, the mail catcher: its own process, so its signal handling cannot end the sandbox before the others. */
const mailDev: Child = {
  name: 'MailDev',
  async start() {
    mail.smtpPort ||= await freePort();
    mail.webPort ||= await freePort();
    mail.ui = `http://127.0.0.1:${mail.webPort}`;
    const bin = join(root, 'node_modules', 'maildev', 'bin', 'maildev');
    const child = startChild([
      bin,
      '--smtp',
      String(mail.smtpPort),
      '--web',
      String(mail.webPort),
      '--ip',
      '127.0.0.1',
      '--silent',
    ]);
    child.stdout?.resume();
    const running = () => child.exitCode === null && child.signalCode === null;
    for (
      const deadline = Date.now() + 15_000;
      Date.now() < deadline && running();
      await new Promise((r) => setTimeout(r, 100))
    ) {
      if (
        await fetch(`${mail.ui}/email`).then(
          (response) => response.ok,
          () => false,
        )
      )
        return child;
    }
    const why = running()
      ? 'was not serving in 15 s'
      : `exited (${child.signalCode ?? `code ${child.exitCode}`}) while starting`;
    child.kill();
    throw new Error(`MailDev ${why}`);
  },
};

/** The webhook channels' receiver (Teams, Slack, PagerDuty, the signed webhook), on one port kept across restarts. */
const receiver = {
  port: 0,
  url: '',
  webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
  pagerDutyRoutingKey: randomBytes(16).toString('hex'),
};
const channelReceiver: Child = {
  name: 'channel receiver',
  async start() {
    receiver.port ||= await freePort();
    const child = startChild(['sandbox/channels/main.ts', '--port', String(receiver.port)], {
      WEBHOOK_SECRET: receiver.webhookSecret,
    });
    receiver.url = (await firstJsonLine<{ url: string }>(child, 'channel receiver')).url;
    return child;
  },
};

/** The OpenTelemetry receiver the function host exports to, on one port kept across restarts. */
const telemetry = { port: 0, url: '' };
const telemetryReceiver: Child = {
  name: 'telemetry receiver',
  async start() {
    telemetry.port ||= await freePort();
    const child = startChild(['sandbox/telemetry/main.ts', '--port', String(telemetry.port)]);
    telemetry.url = (await firstJsonLine<{ url: string }>(child, 'telemetry receiver')).url;
    return child;
  },
};

const host: Child = {
  name: 'function host',
  async start() {
    const child = startChild(['sandbox/host/main.ts'], {
      PORT: String(port),
      SUBSCRIPTION_IDS: endpoints.subscriptionId,
      FUNCTION_APP_ID: monitorFunctionAppId(endpoints.subscriptionId),
      ARM_ENDPOINT: endpoints.armEndpoint,
      POWER_PLATFORM_ENDPOINT: endpoints.powerPlatformEndpoint,
      TABLES_CONNECTION_STRING: tablesConnectionString(tablesPort),
      TABLE_PREFIX: tablePrefix,
      IDENTITY_ENDPOINT: endpoints.identityEndpoint,
      IDENTITY_HEADER: endpoints.identityHeader,
      AZURE_CLIENT_ID: monitorIdentity.clientId,
      // A restored key clears key-access-failing a minute after Power Platform's last refused call (Azure default 30).
      ACCESS_REFUSAL_QUIET_MINUTES: '1',
      NODE_EXTRA_CA_CERTS: caCert,
      MAIL_TRANSPORT: 'smtp',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(mail.smtpPort),
      MAIL_FROM: 'cmk-monitor@sandbox.example',
      ALERT_TO_KEYVAULT_ADMINS: 'keyvault-admins@contoso.example',
      ALERT_TO_POWERPLATFORM_ADMINS: 'powerplatform-admins@contoso.example',
      DASHBOARD_URL: `${functions}/api/dashboard`,
      ALERT_CHANNELS: 'email,teams,slack,pagerduty,webhook',
      TEAMS_WEBHOOK_URL: `${receiver.url}/teams/workflows/cmk-monitor`,
      SLACK_WEBHOOK_URL: `${receiver.url}/slack/services/T0SANDBOX/B0SANDBOX/sandboxtoken`,
      PAGERDUTY_ROUTING_KEY: receiver.pagerDutyRoutingKey,
      PAGERDUTY_EVENTS_URL: `${receiver.url}/pagerduty/v2/enqueue`,
      WEBHOOK_URL: `${receiver.url}/webhook`,
      WEBHOOK_SECRET: receiver.webhookSecret,
      SCAN_SCHEDULE: '0 0 * * * *',
      // Off as in Azure without ALERT_DIGEST_SCHEDULE: the host runs every timer once at start, so it would mail at each start.
      ALERT_DIGEST_SCHEDULE: '0 0 7 * * *',
      'AzureWebJobs.alertDigest.Disabled': 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: telemetry.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_SERVICE_NAME: 'cmk-monitor',
    });
    await ready(child);
    return child;
  },
};

async function main(): Promise<void> {
  const started = Date.now();
  const parsed = parseScenario(JSON.parse(await readFile(scenario, 'utf8')));
  if (values.fresh) await rm(store, { recursive: true, force: true });
  await mkdir(store, { recursive: true });
  await supervisor.run(azurite);
  const tables = openTables(
    { tables: { kind: 'connectionString', connectionString: tablesConnectionString(tablesPort) }, tablePrefix },
    noTokenCredential,
  );
  await seedUnlinks(parsed, new InventoryStore(await tables.get('Inventory')), new Date());
  await supervisor.run(double);
  await supervisor.run(mailDev);
  await supervisor.run(channelReceiver);
  await supervisor.run(telemetryReceiver);
  await supervisor.run(host);

  const tablesEndpoint = await writeEndpoints();
  console.log(
    [
      '',
      `CMK monitor sandbox ready in ${((Date.now() - started) / 1000).toFixed(1)} s (scenario ${scenario})`,
      `  Function app     ${functions}/api/environments   ${functions}/api/health`,
      `  Azure double     ARM ${endpoints.armEndpoint}   Power Platform ${endpoints.powerPlatformEndpoint}`,
      `  Event Grid       ${eventGrid}?functionName=keyVaultEvents|resourceEvents (the double publishes what Azure would here)`,
      `  Audit records    ${eventHub}?functionName=keyVaultAuditEvents (Key Vault's log, ${auditDelayMs / 1000} s late; Power Platform calls every ${powerPlatformCallsMs / 1000} s)`,
      ...Object.entries(endpoints.vaultUris).map(([name, uri]) => `  Key Vault        ${name.padEnd(24)} ${uri}`),
      `  Table Storage    ${tablesEndpoint} (Azurite)`,
      `  Stored in        ${relative(process.cwd(), store) || '.'} (kept across restarts; --fresh starts empty)`,
      `  Mail (MailDev)   ${mail.ui}   SMTP 127.0.0.1:${mail.smtpPort}; alerts go to keyvault-admins@ and powerplatform-admins@contoso.example`,
      `  Channels         ${receiver.url}   Teams, Slack, PagerDuty and the signed webhook receive here`,
      `  Alerts           ${functions}/api/alerts (each alert's delivery per channel)`,
      `  Test alert       POST ${functions}/api/test-alert {"channel":"teams"} (or the dashboard's buttons)`,
      `  Telemetry        ${telemetry.url}   OTLP/HTTP JSON; GET ${telemetry.url}/metrics, /traces, /logs`,
      `  Trusted CA       ${caCert}`,
      `  Endpoints file   ${join(stateDir, 'endpoints.json')}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

/** Writes where everything is to .sandbox/endpoints.json; returns the Table Storage endpoint. */
async function writeEndpoints(): Promise<string> {
  const tablesEndpoint = /TableEndpoint=([^;]+)/.exec(tablesConnectionString(tablesPort))?.[1] ?? '';
  const written = {
    functions,
    arm: endpoints.armEndpoint,
    powerPlatform: endpoints.powerPlatformEndpoint,
    vaults: endpoints.vaultUris,
    caCert,
    subscriptionIds: [endpoints.subscriptionId],
    identity: { endpoint: endpoints.identityEndpoint, header: endpoints.identityHeader },
    smtp: `smtp://127.0.0.1:${mail.smtpPort}`,
    mailUi: mail.ui,
    channels: receiver.url,
    telemetry: telemetry.url,
    tables: tablesEndpoint,
  };
  await writeFile(join(stateDir, 'endpoints.json'), `${JSON.stringify(written, null, 2)}\n`);
  return tablesEndpoint;
}

/** A TypeScript entry point run by this Node with the tsx loader, so there is no extra wrapper process to orphan. */
function startChild(args: string[], env: Record<string, string> = {}): ChildProcess {
  return supervisor.spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
}

function firstJsonLine<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        resolvePromise(JSON.parse(line) as T);
      } catch {
        child.kill();
        reject(new Error(`${what} printed something other than its endpoints: ${line}`));
      }
      lines.on('line', (next) => console.log(next));
    });
    child.once('exit', () => reject(new Error(`${what} did not start`)));
  });
}

function ready(host: ChildProcess): Promise<void> {
  host.stdout?.pipe(process.stdout);
  return new Promise((resolvePromise, reject) => {
    host.on('message', (message: { ready?: unknown }) => {
      if (message.ready) resolvePromise();
    });
    host.once('exit', () => reject(new Error('the function host did not start')));
  });
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await supervisor.stop();
  process.exit(code);
}

process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
main().catch((error: unknown) => {
  console.error(`Sandbox failed to start: ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});

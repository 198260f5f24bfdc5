/**
 * `npm start`: the whole monitor on one machine, no Azure account. Azurite tables, the Azure double (its own
 * process, publishing an Event Grid event for every write), and the function app on http://127.0.0.1:$PORT
 * through the local host, which runs one scan before it reports ready. Ctrl-C or SIGTERM stops every child.
 *
 *   npm start -- [--scenario FILE] [--port N]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { InventoryStore } from '../shared/store/inventoryStore.js';
import { openTables } from '../shared/store/tables.js';
import { freePort, noTokenCredential, startAzurite, type Azurite } from './azurite.js';
import { monitorFunctionAppId } from './double/armEventGrid.js';
import { seedUnlinks } from './history.js';
import { parseScenario } from './scenario.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { scenario: { type: 'string' }, port: { type: 'string' } } });
const scenario = resolve(values.scenario ?? join(root, 'sandbox', 'scenarios', 'demo.json'));
const port = Number(values.port ?? process.env.PORT ?? 7071);
const stateDir = join(root, '.sandbox');
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

const children: ChildProcess[] = [];
let azurite: Azurite | undefined;
let stopping = false;

async function main(): Promise<void> {
  const started = Date.now();
  const parsed = parseScenario(JSON.parse(await readFile(scenario, 'utf8')));
  await mkdir(stateDir, { recursive: true });
  azurite = await startAzurite();
  const tables = openTables({ tables: { kind: 'connectionString', connectionString: azurite.connectionString }, tablePrefix }, noTokenCredential);
  await seedUnlinks(parsed, new InventoryStore(await tables.get('Inventory')), new Date());
  const eventGrid = `http://127.0.0.1:${port}/runtime/webhooks/eventgrid`;
  const double = startChild('double', ['sandbox/double/main.ts', '--scenario', scenario, '--events', eventGrid]);
  const endpoints = await firstJsonLine<DoubleEndpoints>(double, 'Azure double');
  const caCert = join(stateDir, 'ca.pem');
  await writeFile(caCert, endpoints.ca);
  const mail = await startMailDev();

  const host = startChild('host', ['sandbox/host/main.ts'], {
    PORT: String(port),
    SUBSCRIPTION_IDS: endpoints.subscriptionId,
    FUNCTION_APP_ID: monitorFunctionAppId(endpoints.subscriptionId),
    ARM_ENDPOINT: endpoints.armEndpoint,
    POWER_PLATFORM_ENDPOINT: endpoints.powerPlatformEndpoint,
    TABLES_CONNECTION_STRING: azurite.connectionString,
    TABLE_PREFIX: tablePrefix,
    IDENTITY_ENDPOINT: endpoints.identityEndpoint,
    IDENTITY_HEADER: endpoints.identityHeader,
    NODE_EXTRA_CA_CERTS: caCert,
    MAIL_TRANSPORT: 'smtp',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(mail.smtpPort),
    MAIL_FROM: 'cmk-monitor@sandbox.example',
    ALERT_TO_KEYVAULT_ADMINS: 'keyvault-admins@contoso.example',
    ALERT_TO_POWERPLATFORM_ADMINS: 'powerplatform-admins@contoso.example',
    DASHBOARD_URL: `http://127.0.0.1:${port}/api/dashboard`,
  });
  await ready(host);

  const functions = `http://127.0.0.1:${port}`;
  const tablesEndpoint = /TableEndpoint=([^;]+)/.exec(azurite.connectionString)?.[1] ?? '';
  await writeFile(
    join(stateDir, 'endpoints.json'),
    `${JSON.stringify(
      {
        functions,
        arm: endpoints.armEndpoint,
        powerPlatform: endpoints.powerPlatformEndpoint,
        vaults: endpoints.vaultUris,
        caCert,
        smtp: `smtp://127.0.0.1:${mail.smtpPort}`,
        mailUi: mail.ui,
        tables: tablesEndpoint,
      },
      null,
      2,
    )}\n`,
  );
  console.log(
    [
      '',
      `CMK monitor sandbox ready in ${((Date.now() - started) / 1000).toFixed(1)} s (scenario ${scenario})`,
      `  Function app     ${functions}/api/environments   ${functions}/api/health`,
      `  Azure double     ARM ${endpoints.armEndpoint}   Power Platform ${endpoints.powerPlatformEndpoint}`,
      `  Event Grid       ${eventGrid}?functionName=keyVaultEvents|resourceEvents (the double publishes every write here)`,
      ...Object.entries(endpoints.vaultUris).map(([name, uri]) => `  Key Vault        ${name.padEnd(24)} ${uri}`),
      `  Table Storage    ${tablesEndpoint} (Azurite)`,
      `  Mail (MailDev)   ${mail.ui}   SMTP 127.0.0.1:${mail.smtpPort}; alerts go to keyvault-admins@ and powerplatform-admins@contoso.example`,
      `  Alerts           ${functions}/api/alerts`,
      `  Trusted CA       ${caCert}`,
      `  Endpoints file   ${join(stateDir, 'endpoints.json')}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

/** MailDev, the mail catcher: its own process, so its signal handling cannot end the sandbox before the others. */
async function startMailDev(): Promise<{ smtpPort: number; ui: string }> {
  const [smtpPort, webPort] = [await freePort(), await freePort()];
  const bin = join(root, 'node_modules', 'maildev', 'bin', 'maildev');
  const child = startChild('maildev', [bin, '--smtp', String(smtpPort), '--web', String(webPort), '--ip', '127.0.0.1', '--silent']);
  child.stdout?.resume();
  const ui = `http://127.0.0.1:${webPort}`;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if (await fetch(`${ui}/email`).then((response) => response.ok, () => false)) return { smtpPort, ui };
  }
  throw new Error('MailDev did not start');
}

/** A TypeScript entry point run by this Node with the tsx loader, so there is no extra wrapper process to orphan. */
function startChild(name: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping the sandbox.`);
      void stop(1);
    }
  });
  return child;
}

function firstJsonLine<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        resolvePromise(JSON.parse(line) as T);
      } catch {
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
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
        }),
    ),
  );
  await azurite?.stop();
  process.exit(code);
}

process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
main().catch((error: unknown) => {
  console.error(`Sandbox failed to start: ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});

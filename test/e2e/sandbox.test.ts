import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { TokenCredential } from '@azure/core-auth';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../sandbox/azurite.js';
import { launchChromium } from '../support/browser.js';
import type { Browser, Page } from 'playwright-core';

const environmentId = '7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
const liveEnvironmentId = '8f2a3b4c-5d6e-4f7a-9b0c-1d2e3f4a5b6c';
const hostileEnvironmentId = '9a3b4c5d-6e7f-4a8b-9c0d-2e3f4a5b6c7d';
const hostileName = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;
const livePrincipal = '44444444-4444-4444-8444-444444444444';
const subscriptionId = '22222222-2222-4222-8222-222222222222';
const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-e2e`;
const scenario = {
  subscriptionId,
  vaults: [
    {
      name: 'kv-e2e',
      resourceGroup: 'rg',
      softDelete: true,
      purgeProtection: true,
      rbac: true,
      systemTopic: 'kv-e2e-events',
      eventSubscriptions: [{ name: 'cmk-monitor', function: 'keyVaultEvents' }],
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Allow',
      trustedServicesBypass: true,
      roleAssignments: [
        {
          principalId: '33333333-3333-4333-8333-333333333333',
          roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
          scope: 'vault',
        },
        { principalId: livePrincipal, roleDefinitionId: 'e147488a-f6f5-4113-8e2d-b22465e65bf6', scope: 'vault' },
      ],
      keys: [
        {
          name: 'k-e2e',
          kty: 'RSA',
          size: 2048,
          versions: [{ enabled: false, createdDaysAgo: 40, expiresInDays: 300 }],
        },
        {
          name: 'k-live',
          kty: 'RSA',
          size: 2048,
          versions: [{ enabled: true, createdDaysAgo: 345, expiresInDays: 20 }],
        },
      ],
    },
  ],
  policies: [
    {
      name: 'cmk-e2e',
      resourceGroup: 'rg',
      location: 'europe',
      vault: 'kv-e2e',
      key: 'k-e2e',
      principalId: '33333333-3333-4333-8333-333333333333',
    },
    {
      name: 'cmk-live',
      resourceGroup: 'rg',
      location: 'europe',
      vault: 'kv-e2e',
      key: 'k-live',
      principalId: livePrincipal,
    },
  ],
  environments: [
    {
      id: environmentId,
      displayName: 'E2E (prod)',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-e2e',
    },
    {
      id: liveEnvironmentId,
      displayName: 'Live (prod)',
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-live',
    },
    {
      id: hostileEnvironmentId,
      displayName: hostileName,
      location: 'europe',
      sku: 'Production',
      managed: true,
      policy: 'cmk-e2e',
    },
  ],
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
    return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

let scenarioFile: string;
let port: number;

/** `npm start` for the e2e scenario, until it says it is ready. */
async function startSandbox(...flags: string[]): Promise<void> {
  output = '';
  sandbox = spawn('npm', ['start', '--', '--scenario', scenarioFile, '--port', String(port), ...flags], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  sandbox.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  sandbox.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForReady(Date.now() + 45_000);
}

/** Ctrl-C, as a terminal sends it to the whole process group; resolves once no process of it is left. */
async function interrupt(): Promise<void> {
  const pgid = sandbox.pid!;
  process.kill(-pgid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (processGroup(pgid).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(processGroup(pgid)).toEqual([]);
}

/** Where this run's tables are kept, as the sandbox prints it. */
const storeDir = () => /Stored in +(\S+)/.exec(output)?.[1];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cmk-e2e-'));
  scenarioFile = join(dir, 'scenario.json');
  await writeFile(scenarioFile, JSON.stringify(scenario));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await startSandbox();
}, 60_000);

afterAll(async () => {
  if (sandbox?.pid && processGroup(sandbox.pid).length) process.kill(-sandbox.pid, 'SIGKILL');
  const store = storeDir();
  if (store) await rm(store, { recursive: true, force: true });
});

interface EnvironmentView {
  id: string;
  status: string;
  findings: { rule: string }[];
}

async function environment(id: string): Promise<EnvironmentView> {
  return (await (await fetch(`${base}/api/environments/${id}`)).json()) as EnvironmentView;
}

/**
 * Milliseconds from now until the environment's status (null: any) and rules are as expected (exactly `rules`, or at
 * least them with `{ atLeast: true }`, and never `without`), polling the HTTP interface.
 */
async function timeUntil(
  id: string,
  status: string | null,
  rules: string[],
  options: { atLeast?: boolean; without?: string } = {},
): Promise<number> {
  const started = Date.now();
  let last: EnvironmentView | undefined;
  while (Date.now() - started < 10_000) {
    last = await environment(id);
    const seen = last.findings.map((finding) => finding.rule);
    const matches = options.atLeast
      ? rules.every((rule) => seen.includes(rule))
      : seen.sort().join() === [...rules].sort().join();
    if ((status === null || last.status === status) && matches && !(options.without && seen.includes(options.without)))
      return Date.now() - started;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${id} never became ${status} ${rules.join(', ')}; last ${JSON.stringify(last)}\n${output}`);
}

/** The double accepts any bearer token, as the sandbox's own identity endpoint hands them out. */
const sandboxCredential: TokenCredential = {
  getToken: () => Promise.resolve({ token: 'sandbox-admin', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

function adminClients() {
  const endpoints = JSON.parse(readFileSync(join(process.cwd(), '.sandbox', 'endpoints.json'), 'utf8')) as {
    arm: string;
    vaults: Record<string, string>;
    caCert: string;
  };
  const tlsOptions = { ca: readFileSync(endpoints.caCert, 'utf8') };
  return {
    keys: new KeyClient(endpoints.vaults['kv-e2e'] ?? '', sandboxCredential, {
      tlsOptions,
      disableChallengeResourceVerification: true,
    }),
    authorization: new AuthorizationManagementClient(sandboxCredential, subscriptionId, {
      endpoint: endpoints.arm,
      tlsOptions,
      credentialScopes: ['https://management.azure.com/.default'],
    }),
  };
}

/** A page that records every console message and dialog: a CSP violation or a script that ran shows up there. */
async function watchedPage(browser: Browser): Promise<{ page: Page; violations: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const violations: string[] = [];
  page.on('console', (message) => violations.push(message.text()));
  page.on('dialog', (dialog) => violations.push(`dialog ${dialog.message()}`));
  return { page, violations };
}

describe('npm start', () => {
  it('serves the scenario through the HTTP interface after its first scan', async () => {
    const environments = (await (await fetch(`${base}/api/environments`)).json()) as EnvironmentView[];
    expect(environments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: environmentId,
          status: 'outage',
          findings: [expect.objectContaining({ rule: 'key-disabled' })],
        }),
        expect.objectContaining({
          id: liveEnvironmentId,
          status: 'warning',
          findings: [expect.objectContaining({ rule: 'key-expiring' })],
        }),
      ]),
    );
    const health = (await (await fetch(`${base}/api/health`)).json()) as { status: string; lastScanAt: string | null };
    expect(health.status).toBe('ok');
    expect(health.lastScanAt).not.toBeNull();
  });

  it('writes where everything is to .sandbox/endpoints.json', () => {
    const file = join(process.cwd(), '.sandbox', 'endpoints.json');
    expect(existsSync(file)).toBe(true);
    const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(endpoints).toMatchObject({
      functions: base,
      vaults: { 'kv-e2e': expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/$/) as unknown },
    });
    expect(Object.keys(endpoints)).toEqual(
      expect.arrayContaining(['functions', 'arm', 'powerPlatform', 'vaults', 'caCert', 'smtp', 'mailUi', 'tables']),
    );
  });

  it('prints its telemetry receiver, whose metrics show the scans, statuses and deliveries /api/health and MailDev show', async () => {
    const { telemetry } = JSON.parse(readFileSync(join(process.cwd(), '.sandbox', 'endpoints.json'), 'utf8')) as {
      telemetry: string;
    };
    expect(output).toContain(`Telemetry        ${telemetry}`);
    type Metrics = Record<string, { points: { attributes: Record<string, string>; value: unknown }[] }>;
    const valueOf = (metrics: Metrics, name: string, attributes: Record<string, string>) =>
      metrics[name]?.points.find((point) =>
        Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
      )?.value;
    await fetch(`${base}/api/scan`, { method: 'POST' });
    const health = (await (await fetch(`${base}/api/health`)).json()) as { byStatus: Record<string, number> };
    let metrics: Metrics = {};
    for (const started = Date.now(); Date.now() - started < 10_000; await new Promise((r) => setTimeout(r, 200))) {
      metrics = ((await (await fetch(`${telemetry}/metrics`)).json()) as { metrics: Metrics }).metrics;
      const scans = Number(valueOf(metrics, 'cmk_monitor.scans', { outcome: 'success' }) ?? 0);
      if (
        scans >= 2 &&
        Object.entries(health.byStatus).every(
          ([status, count]) => valueOf(metrics, 'cmk_monitor.environments', { status }) === count,
        )
      )
        break;
    }
    for (const [status, count] of Object.entries(health.byStatus))
      expect(valueOf(metrics, 'cmk_monitor.environments', { status }), status).toBe(count);
    expect(valueOf(metrics, 'cmk_monitor.scans', { outcome: 'success' })).toBeGreaterThanOrEqual(2);
    expect(
      valueOf(metrics, 'cmk_monitor.alerts.deliveries', { channel: 'email', outcome: 'sent' }),
    ).toBeGreaterThanOrEqual(2);
    const { spans } = (await (await fetch(`${telemetry}/traces`)).json()) as {
      spans: { name: string; traceId: string; attributes: Record<string, unknown> }[];
    };
    expect(spans.map((span) => span.name)).toEqual(
      expect.arrayContaining(['cmk_monitor.invocation', 'cmk_monitor.scan', 'cmk_monitor.alert_delivery']),
    );
    // The host's log lines of an invocation carry its trace (the log exporter sends a batch a second).
    const invocations = new Set(
      spans
        .filter((span) => span.name === 'cmk_monitor.invocation' || span.name === 'cmk_monitor.audit_batch')
        .map((span) => span.traceId),
    );
    let traced = 0;
    for (
      const started = Date.now();
      !traced && Date.now() - started < 10_000;
      await new Promise((r) => setTimeout(r, 250))
    ) {
      const { logs } = (await (await fetch(`${telemetry}/logs`)).json()) as { logs: { traceId: string | null }[] };
      traced = logs.filter((line) => line.traceId && invocations.has(line.traceId)).length;
    }
    expect(traced).toBeGreaterThan(0);
  });

  it('answers npm run doctor -- --sandbox with what it sees, and exit code 0', () => {
    const printed = execFileSync('npm', ['run', '--silent', 'doctor', '--', '--sandbox'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(printed).toMatch(new RegExp(`^Subscription ${subscriptionId}: \\d+ encryption policies$`, 'm'));
    expect(printed).toMatch(
      /^Power Platform admin API: \d+ environments, [1-9]\d* linked to a listed encryption policy$/m,
    );
    expect(printed).toContain('The monitor would see everything listed above.');
  });

  it('serves a dashboard an admin can read in a browser: outage on top, its findings, the counts, names as text', async () => {
    const browser = await launchChromium();
    try {
      const { page, violations } = await watchedPage(browser);
      const response = await page.goto(`${base}/api/dashboard`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");

      const disabled = page.locator('#incidents tbody tr', { hasText: 'key-disabled' });
      await expect.poll(() => disabled.locator('.badge').first().textContent()).toBe('outage');
      expect(await page.locator('#incidents tbody tr').first().locator('.badge').first().textContent()).toBe('outage');
      expect(await disabled.textContent()).toContain('What to do');
      const counts = Object.fromEntries(
        (await page.locator('.counts li').allTextContents()).map((text) => [
          text.replace(/\d+/, '').trim(),
          Number(/\d+/.exec(text)?.[0]),
        ]),
      );
      expect(counts).toEqual({ outage: 2, critical: 0, unknown: 0, warning: 1, healthy: 0 });
      // Shown as text wherever it appears: its row, and each of its recent changes (the audit records may add one by now).
      expect(await page.getByText(hostileName, { exact: true }).count()).toBeGreaterThan(0);
      expect(await page.locator('tbody img, tbody script').count()).toBe(0);
      expect(await page.title()).not.toContain('pwned');
      expect(await page.evaluate("getComputedStyle(document.querySelector('.badge')).backgroundColor")).toBe(
        'rgb(164, 38, 44)',
      );
      expect(violations).toEqual([]);
      await mkdir('test-output', { recursive: true });
      await page.screenshot({ path: join('test-output', 'dashboard.png'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join('test-output', 'dashboard-phone.png') });
    } finally {
      await browser.close();
    }
  }, 60_000); // the first run on a machine also extracts the ~200 MB Chromium

  it('links the dashboard to a what-if page an admin reads as text: no script runs, no CSP violation, the verdict boxed', async () => {
    const browser = await launchChromium();
    try {
      const { page, violations } = await watchedPage(browser);
      await page.goto(`${base}/api/dashboard`);
      const live = page.locator('.keys li', { hasText: 'kv-e2e/k-live' });
      await expect.poll(() => live.count()).toBe(1);
      await Promise.all([
        page.waitForURL(/\/api\/dashboard\/what-if\?action=disableKeyVersion&/),
        live.getByRole('link', { name: 'disable its current version' }).click(),
      ]);
      expect(await page.locator('h1').textContent()).toMatch(
        /^What if version \S+ of key k-live in vault kv-e2e is disabled\?$/,
      );
      expect(await page.locator('#verdict strong').textContent()).toBe('Unsafe');
      expect(await page.locator('#verdict').textContent()).toContain('1 production environment down at once');
      expect(await page.locator('tbody tr').first().textContent()).toContain('Live (prod)');
      expect(await page.evaluate("getComputedStyle(document.querySelector('#verdict')).borderLeftColor")).toBe(
        'rgb(164, 38, 44)',
      );
      await mkdir('test-output', { recursive: true });
      await page.screenshot({ path: join('test-output', 'what-if.png'), fullPage: true });

      const revoke = new URLSearchParams({
        action: 'removeRoleAssignment',
        principalId: '33333333-3333-4333-8333-333333333333',
        scope: vaultId,
      });
      const response = await page.goto(`${base}/api/dashboard/what-if?${revoke.toString()}`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      expect(await page.locator('#verdict strong').textContent()).toBe('Caution');
      expect(await page.locator('td', { hasText: hostileEnvironmentId }).textContent()).toBe(
        `${hostileName}${hostileEnvironmentId}`,
      );
      expect(await page.locator('body img, body script').count()).toBe(0);
      expect(await page.title()).not.toContain('pwned');
      expect(violations).toEqual([]);

      const refused = await page.goto(
        `${base}/api/dashboard/what-if?action=deleteKey&vault=${encodeURIComponent(hostileName)}&key=k`,
      );
      expect(refused?.status()).toBe(400);
      expect(await page.locator('#refusal').textContent()).toContain(hostileName);
      expect(await page.locator('body img, body script').count()).toBe(0);
      expect(await page.title()).toBe(`CMK monitor: What if key k in vault ${hostileName} is deleted?`);
      expect(violations).toEqual([expect.stringContaining('status of 400')]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('mails the alerts the first scan decided to MailDev, and a second scan mails none', async () => {
    const { mailUi } = JSON.parse(readFileSync(join(process.cwd(), '.sandbox', 'endpoints.json'), 'utf8')) as {
      mailUi: string;
    };
    // Power Platform's refused calls (the e2e key is disabled) confirm the outage a few seconds after start-up, in a
    // mail of their own: left out here, whenever it comes.
    const mails = async () =>
      ((await (await fetch(`${mailUi}/email`)).json()) as { subject: string; to: { address: string }[] }[]).filter(
        (mail) => !mail.subject.includes('key-access-failing'),
      );
    const first = await mails();
    expect(first.map((mail) => mail.subject).sort()).toEqual([
      expect.stringMatching(/^\[CMK outage\] 2 environments down since .*: key-disabled on kv-e2e\/k-e2e$/),
      expect.stringMatching(/^\[CMK warning\] 1 environment, due .* \(in 20 days\): key-expiring on kv-e2e\/k-live$/),
    ]);
    await (await fetch(`${base}/api/scan`, { method: 'POST' })).json();
    expect(await mails()).toHaveLength(first.length);
    const alerts = (await (await fetch(`${base}/api/alerts`)).json()) as { rule: string; status: string }[];
    expect(alerts.filter((alert) => alert.rule !== 'key-access-failing').map((alert) => alert.status)).toEqual([
      'sent',
      'sent',
    ]);
  });

  it("reacts to an admin's writes: through Event Grid within 2 seconds, through Key Vault's audit records within their delay", async () => {
    const { keys, authorization } = adminClients();

    await keys.createKey('k-live', 'RSA', { expiresOn: new Date(Date.now() + 365 * 86_400_000) });
    expect(await timeUntil(liveEnvironmentId, 'healthy', [])).toBeLessThan(2_000);

    // Azure publishes no event for a disabled version: the audit record arrives 3 s late in the sandbox.
    const current = await keys.getKey('k-live');
    await keys.updateKeyProperties('k-live', current.properties.version ?? '', { enabled: false });
    expect(await timeUntil(liveEnvironmentId, 'outage', ['key-disabled'], { atLeast: true })).toBeLessThan(6_000);
    await keys.updateKeyProperties('k-live', current.properties.version ?? '', { enabled: true });
    // Power Platform's calls may have been refused meanwhile: key-access-failing then stays until they go quiet.
    expect(await timeUntil(liveEnvironmentId, null, [], { atLeast: true, without: 'key-disabled' })).toBeLessThan(
      6_000,
    );

    const assignments = [];
    for await (const assignment of authorization.roleAssignments.listForScope(vaultId, {
      filter: `assignedTo('${livePrincipal}')`,
    }))
      assignments.push(assignment);
    expect(assignments).toHaveLength(1);
    await authorization.roleAssignments.delete(vaultId, assignments[0]?.name ?? '');
    expect(await timeUntil(liveEnvironmentId, 'outage', ['access-revoked'], { atLeast: true })).toBeLessThan(2_000);
  });

  it('restarts a child that exits, naming it', async () => {
    const { mailUi } = JSON.parse(readFileSync(join(process.cwd(), '.sandbox', 'endpoints.json'), 'utf8')) as {
      mailUi: string;
    };
    const mailDev = execFileSync('pgrep', ['-g', String(sandbox.pid), '-f', 'maildev/bin/maildev'], {
      encoding: 'utf8',
    }).trim();
    process.kill(Number(mailDev), 'SIGKILL');
    await expect.poll(() => output, { timeout: 20_000 }).toContain('[sandbox] MailDev restarted');
    expect(output).toContain('[sandbox] MailDev exited (SIGKILL); restarting it');
    expect((await fetch(`${mailUi}/email`)).status).toBe(200);
  }, 30_000);

  it('stops every process it started on Ctrl-C, and keeps statuses, history and alerts for the next start', async () => {
    expect(processGroup(sandbox.pid!).length).toBeGreaterThanOrEqual(4);
    const before = await environmentWithHistory(environmentId);
    const alertIds = await alertIdsNow();
    expect(alertIds.length).toBeGreaterThan(0);
    await interrupt();

    const restartedAt = new Date().toISOString();
    await startSandbox();
    const after = await environmentWithHistory(environmentId);
    expect(after.since).toBe(before.since);
    expect(after.history.filter((change) => change.at < restartedAt)).toEqual(before.history);
    expect(await alertIdsNow()).toEqual(expect.arrayContaining(alertIds));
  }, 90_000);

  it('starts from an empty store with --fresh', async () => {
    await interrupt();
    const freshAt = new Date().toISOString();
    await startSandbox('--fresh');
    const fresh = await environmentWithHistory(environmentId);
    expect(fresh.since > freshAt).toBe(true);
    expect(fresh.history.every((change) => change.at > freshAt)).toBe(true);
    const alerts = (await (await fetch(`${base}/api/alerts`)).json()) as { decidedAt: string }[];
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((alert) => alert.decidedAt > freshAt)).toBe(true);
    await interrupt();
  }, 90_000);
});

async function environmentWithHistory(id: string): Promise<{ since: string; history: { at: string }[] }> {
  return (await (await fetch(`${base}/api/environments/${id}`)).json()) as { since: string; history: { at: string }[] };
}

async function alertIdsNow(): Promise<string[]> {
  return ((await (await fetch(`${base}/api/alerts`)).json()) as { id: string }[]).map((alert) => alert.id);
}

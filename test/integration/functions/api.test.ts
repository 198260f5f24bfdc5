import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMethods } from '../../../functions/http.js';
import { apiDefinitions } from '../../../functions/api.js';
import type { FunctionDefinition } from '../../../functions/definition.js';
import type { HttpFunction } from '../../../sandbox/host/http.js';
import { hostListener } from '../../../sandbox/host/listener.js';
import { matchRoute } from '../../../sandbox/host/routes.js';
import { apiViews, type Services } from '../../../shared/composition/index.js';
import { loadConfig } from '../../../shared/config.js';
import { remedies } from '../../../shared/domain/rules/index.js';
import { startWorld, type World } from '../../support/world.js';
import { environments, scanScenario } from '../scan/scenario.js';

let world: World;
beforeAll(async () => {
  world = await startWorld(scanScenario());
});
afterAll(() => world?.stop());

const httpFunctions = (definitions: FunctionDefinition[]): HttpFunction[] =>
  definitions.flatMap((d) => (d.trigger === 'http' ? [d] : []));

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body: one of the shapes below, as far as a test reads it. */
  body: unknown;
  logs: string[];
  invocationId: string;
}

/** What every endpoint answers a refusal or a failure with. */
interface ErrorBody {
  error: { code: string; message: string };
}

/** POST /api/scan: the summary of the scan. */
interface ScanSummary {
  at: string;
  writes: { environments: number };
}

/** GET /api/environments: each environment, its findings without their runbooks. */
interface ListedEnvironment {
  id: string;
  displayName: string;
  status: string;
  policyId: string;
  outageAt: string | null;
  findings: { rule: string; dueAt: string | null }[];
}

/** A step of a finding's runbook: a link, commands, or words. */
interface Step {
  link: { url: string };
  commands: { shell: string; text: string }[];
  text: string;
}

/** GET /api/environments/{id}: the environment, each finding with its runbook, and its history. */
interface EnvironmentDetail {
  findings: { rule: string; runbook: { steps: Step[] } }[];
  history: unknown[];
}

/** POST /api/what-if: the prediction. */
interface Prediction {
  changes: unknown[];
  environments: { after: { status: string }; added: { rule: string }[] }[];
  summary: string;
  picture: unknown;
}

/** Routes `method path` as the Functions host does (route template → params) and calls the matching handler. */
async function request(
  method: string,
  path: string,
  services: () => Services = () => world.services,
  body?: { text: string; contentType: string },
): Promise<Reply> {
  const functions = httpFunctions(apiDefinitions(services));
  const match = functions
    .map((fn) => ({ fn, params: matchRoute(fn.options.route ?? fn.name, path) }))
    .find((m): m is { fn: HttpFunction; params: Record<string, string> } => m.params !== null);
  if (!match) throw new Error(`no function serves ${path}`);
  expect(match.fn.options.methods).toContain(method);
  const logs: string[] = [];
  const invocationId = `inv-${match.fn.name}-${Math.random().toString(16).slice(2)}`;
  const context = new InvocationContext({
    invocationId,
    functionName: match.fn.name,
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
  const result = await match.fn.options.handler(
    new HttpRequest({
      method,
      url: `https://monitor.example/api/${path}`,
      params: match.params,
      headers: { 'x-functions-key': 'k', ...(body && { 'content-type': body.contentType }) },
      ...(body && { body: { string: body.text } }),
    }),
    context,
  );
  const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text ? JSON.parse(text) : undefined,
    logs,
    invocationId,
  };
}

const get = (path: string) => request('GET', path);
const zeroes = { healthy: 0, warning: 0, critical: 0, outage: 0, unknown: 0 };

function expectApiHeaders(reply: Reply): void {
  expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(reply.headers.get('cache-control')).toBe('no-store');
  expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
}

function expectNoStack(reply: Reply): void {
  expect(reply.text).not.toMatch(/\n\s+at\s/);
  expect(reply.text).not.toMatch(/\.[jt]s:\d+:\d+/);
}

describe('HTTP API definitions', () => {
  it('registers health, environments, environment, scan, alerts, dashboard, what-if and test-alert with function keys and every method', async () => {
    const definitions = apiDefinitions(() => world.services);
    expect(definitions.map((d) => d.trigger === 'http' && [d.name, d.options.route, d.options.authLevel])).toEqual([
      ['health', 'health', 'function'],
      ['environments', 'environments', 'function'],
      ['environment', 'environments/{id}', 'function'],
      ['scan', 'scan', 'function'],
      ['alerts', 'alerts', 'function'],
      ['dashboard', 'dashboard/{page?}', 'function'],
      ['whatIf', 'what-if', 'function'],
      ['testAlert', 'test-alert', 'function'],
    ]);
    for (const d of httpFunctions(definitions)) expect(d.options.methods).toEqual(allMethods);
    const { definitions: app } = await import('../../../functions/definitions.js');
    expect(app.map((d) => d.name)).toEqual([
      'expiryScan',
      'alertDelivery',
      'alertDigest',
      'retention',
      'keyVaultEvents',
      'resourceEvents',
      'keyVaultAuditEvents',
      'health',
      'environments',
      'environment',
      'scan',
      'alerts',
      'dashboard',
      'whatIf',
      'testAlert',
    ]);
  });
});

describe('HTTP API before any scan', () => {
  it('GET /api/health says ok with lastScanAt null', async () => {
    const reply = await get('health');
    expect(reply.status).toBe(200);
    expectApiHeaders(reply);
    expect(reply.body).toEqual({
      status: 'ok',
      degraded: [],
      lastScanAt: null,
      environments: 0,
      byStatus: zeroes,
      lastScan: null,
      events: null,
      alerts: { waiting: 0, oldest: null },
      audit: { lastBatchAt: null },
    });
  });

  it('GET /api/environments is an empty list', async () => {
    const reply = await get('environments');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual([]);
  });

  it('GET /api/environments/{id} of an environment not evaluated yet is 404', async () => {
    const reply = await get(`environments/${environments.disabled}`);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      error: { code: 'NotFound', message: `No environment with id ${environments.disabled} is monitored.` },
    });
  });
});

describe('HTTP API after a scan', () => {
  let scanAt: string;

  it('POST /api/scan runs a scan and returns its summary', async () => {
    const reply = await request('POST', 'scan');
    expect(reply.status).toBe(200);
    expectApiHeaders(reply);
    expect(reply.body).toMatchObject({
      environments: 11,
      byStatus: { healthy: 5, warning: 2, critical: 0, outage: 3, unknown: 1 },
      policies: 6,
      failed: 0,
    });
    const summary = reply.body as ScanSummary;
    expect(Date.parse(summary.at)).not.toBeNaN();
    expect(reply.logs.some((line) => line.startsWith('information: Scan done'))).toBe(true);
    scanAt = summary.at;
  });

  it('GET /api/alerts lists the alerts the scan decided, waiting for a mail transport', async () => {
    const reply = await request('GET', 'alerts');
    expect(reply.status).toBe(200);
    const alerts = reply.body as {
      rule: string;
      status: string;
      subject: string;
      recipients: string[];
      environments: { id: string }[];
    }[];
    expect(alerts.map((alert) => alert.rule).sort()).toEqual([
      'access-revoked',
      'access-revoked',
      'key-disabled',
      'key-expiring',
      'monitor-blind',
      'monitor-degraded',
      'vault-recovery-off',
    ]);
    expect(alerts.every((alert) => alert.status === 'pending')).toBe(true);
    expect(alerts.find((alert) => alert.rule === 'key-disabled')).toMatchObject({
      subject: expect.stringMatching(/^\[CMK outage\] 1 environment down since/) as unknown,
      recipients: [],
      environments: [{ id: environments.disabled, displayName: 'Disabled' }],
    });
  });

  it('GET /api/health reports the last scan and the counts by status', async () => {
    const reply = await get('health');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      // The scenario's vault the monitor may not read leaves one environment unknown: the monitor says it cannot see.
      status: 'degraded',
      degraded: [{ code: 'chains-unreadable', reason: expect.stringMatching(/^1 environment is unknown/) as unknown }],
      lastScanAt: scanAt,
      environments: 11,
      byStatus: { healthy: 5, warning: 2, critical: 0, outage: 3, unknown: 1 },
      lastScan: { at: scanAt, environments: 11, policies: 6 },
      // Without FUNCTION_APP_ID the monitor cannot tell its own event subscriptions: coverage is not read.
      events: null,
    });
  });

  it('GET /api/environments lists every evaluated environment, most urgent first', async () => {
    const reply = await get('environments');
    expect(reply.status).toBe(200);
    expectApiHeaders(reply);
    const list = reply.body as ListedEnvironment[];
    expect(list).toHaveLength(11);
    expect(list.map((e) => e.id)).not.toContain(environments.unprotected);
    expect(list.slice(0, 3).map((e) => e.status)).toEqual(['outage', 'outage', 'outage']);
    expect(
      list
        .slice(0, 3)
        .map((e) => e.id)
        .sort(),
    ).toEqual([environments.disabled, environments.revoked, environments.legacy].sort());
    expect(list.slice(3).map((e) => e.displayName)).toEqual([
      'Expiring',
      'Blind',
      'Trial',
      'Shared 0',
      'Shared 1',
      'Shared 2',
      'Shared 3',
      'Shared 4',
    ]);

    const expiring = list.find((e) => e.id === environments.expiring)!;
    expect(Object.keys(expiring)).toEqual([
      'id',
      'displayName',
      'status',
      'since',
      'policy',
      'policyId',
      'vault',
      'key',
      'keyVersion',
      'outageAt',
      'lockedSince',
      'deletionAt',
      'findings',
    ]);
    expect(expiring).toMatchObject({
      displayName: 'Expiring',
      status: 'warning',
      lockedSince: null,
      deletionAt: null,
      since: scanAt,
      policy: 'cmk-expiring',
      vault: 'kv-main',
      key: 'k-expiring',
    });
    expect(expiring.policyId).toMatch(/\/enterprisePolicies\/cmk-expiring$/i);
    expect(expiring.outageAt).toBe(expiring.findings[0]!.dueAt);
    expect(expiring.findings).toEqual([
      {
        rule: 'key-expiring',
        severity: 'warning',
        message: expect.any(String) as unknown,
        dueAt: expect.any(String) as unknown,
        remedy: remedies['key-expiring'],
      },
    ]);
  });

  it('GET /api/environments/{id} gives the environment and its history, whatever the id case', async () => {
    const reply = await get(`environments/${environments.expiring.toUpperCase()}`);
    expect(reply.status).toBe(200);
    expectApiHeaders(reply);
    const listed = ((await get('environments')).body as ListedEnvironment[]).find(
      (e) => e.id === environments.expiring,
    )!;
    expect(reply.body).toEqual({
      ...listed,
      findings: listed.findings.map((finding) => ({ ...finding, runbook: { steps: expect.any(Array) as unknown } })),
      history: [{ at: scanAt, from: null, to: 'warning', added: ['key-expiring'], removed: [], source: 'scan' }],
    });
  });

  it("GET /api/environments/{id} gives each finding its runbook on the policy's chain as the scan read it", async () => {
    const detail = (await get(`environments/${environments.expiring}`)).body as EnvironmentDetail;
    const [rotate, keep] = detail.findings[0]!.runbook.steps;
    expect(rotate?.link.url).toMatch(
      /^https:\/\/portal\.azure\.com\/#resource\/subscriptions\/[^/]+\/resourceGroups\/rg-cmk\/providers\/Microsoft\.KeyVault\/vaults\/kv-main\/keys$/,
    );
    expect(rotate?.commands).toEqual([
      { shell: 'azure-cli', text: "az keyvault key rotate --vault-name 'kv-main' --name 'k-expiring'" },
      { shell: 'powershell', text: "Invoke-AzKeyVaultKeyRotation -VaultName 'kv-main' -Name 'k-expiring'" },
    ]);
    expect(keep?.text).toMatch(/at least 28 days/);
  });

  it('records a change in the history after a key version is disabled and a new scan', async () => {
    const versions = world.double.state.versionIds('kv-main', 'k-expiring');
    world.double.state.disableKeyVersion('kv-main', 'k-expiring', versions.length - 1);
    const scan = await request('POST', 'scan');
    expect(scan.status).toBe(200);
    const summary = scan.body as ScanSummary;
    expect(summary.writes.environments).toBe(1);

    const reply = await get(`environments/${environments.expiring}`);
    const detail = reply.body as EnvironmentDetail;
    expect(reply.body).toMatchObject({ status: 'outage', since: summary.at });
    expect(detail.findings.map((f) => f.rule)).toEqual(['key-disabled', 'key-expiring']);
    const disabledSteps = detail.findings[0]!.runbook.steps;
    expect(disabledSteps[0]!.commands[0]!.text).toMatch(
      /^az keyvault key set-attributes --vault-name 'kv-main' --name 'k-expiring' --version '[^']+' --enabled true$/,
    );
    expect(disabledSteps.at(-1)!.link.url).toBe(
      `https://admin.powerplatform.microsoft.com/environments/environment/${environments.expiring}/hub`,
    );
    expect(detail.history).toEqual([
      { at: summary.at, from: 'warning', to: 'outage', added: ['key-disabled'], removed: [], source: 'scan' },
      { at: scanAt, from: null, to: 'warning', added: ['key-expiring'], removed: [], source: 'scan' },
    ]);

    const list = (await get('environments')).body as ListedEnvironment[];
    expect(list.slice(0, 4).map((e) => e.status)).toEqual(['outage', 'outage', 'outage', 'outage']);
    expect((await get('health')).body).toMatchObject({ lastScanAt: summary.at, byStatus: { warning: 1, outage: 4 } });
  });
});

describe('POST /api/what-if', () => {
  const whatIf = (text: string, contentType = 'application/json') =>
    request('POST', 'what-if', () => world.services, { text, contentType });
  const disable = (version: string) =>
    JSON.stringify({ changes: [{ action: 'disableKeyVersion', vault: 'kv-main', key: 'k-healthy', version }] });

  it('predicts who goes down, and stores nothing', async () => {
    const version = world.double.state.versionIds('kv-main', 'k-healthy').at(-1) ?? '';
    world.tables.reset();
    const reply = await whatIf(disable(version));
    expect(world.tables.writes).toEqual([]);
    expect(reply.status).toBe(200);
    expectApiHeaders(reply);
    const prediction = reply.body as Prediction;
    expect(prediction.changes).toEqual([{ action: 'disableKeyVersion', touched: true }]);
    expect(prediction.environments.length).toBeGreaterThan(0);
    expect(
      prediction.environments.every(
        (e) => e.after.status === 'outage' && e.added.some((f) => f.rule === 'key-disabled'),
      ),
    ).toBe(true);
    expect(prediction.summary).toMatch(/down at once/);
    expect(prediction.picture).toMatchObject({ stale: false });
  });

  it.each([
    ['not JSON', '{"changes": [', 400, /not valid JSON/],
    ['no changes', '{"changes": []}', 400, /^changes: /],
    [
      'an unknown action',
      '{"changes": [{"action": "purgeEverything"}]}',
      400,
      /^changes\[0\]\.action: .*disableKeyVersion/,
    ],
    [
      'a malformed date',
      '{"changes": [{"action": "rotateKey", "vault": "kv-main", "key": "k-healthy", "expiresOn": "tomorrow"}]}',
      400,
      /^changes\[0\]\.expiresOn: /,
    ],
    [
      'a vault the monitor does not know',
      '{"changes": [{"action": "deleteVault", "vault": "kv-nowhere"}]}',
      400,
      /^changes\[0\]\.vault: /,
    ],
    [
      'a date Key Vault cannot hold',
      '{"changes": [{"action": "setKeyVersionDates", "vault": "kv-main", "key": "k-healthy", "version": "v", "expiresOn": "0001-01-01T00:00:00Z"}]}',
      400,
      /^changes\[0\]\.expiresOn: expected a date from 1970-01-01T00:00:00Z/,
    ],
    [
      'a retention Key Vault does not take',
      '{"changes": [{"action": "setSoftDeleteRetention", "vault": "kv-main", "days": 365}]}',
      400,
      /^changes\[0\]\.days: expected 7 to 90 days$/,
    ],
  ])('answers %s with 400 and the path of the bad field', async (_case, text, status, message) => {
    world.tables.reset();
    const reply = await whatIf(text);
    expect(reply.status).toBe(status);
    expect((reply.body as ErrorBody).error.message).toMatch(message);
    expect(world.tables.writes).toEqual([]);
    expectNoStack(reply);
  });

  it('refuses a body that is not JSON or too large, and a GET', async () => {
    expect((await whatIf(disable('x'), 'text/plain')).status).toBe(415);
    expect((await whatIf(`{"changes": [], "pad": "${'x'.repeat(70_000)}"}`)).status).toBe(413);
    expect((await request('GET', 'what-if')).status).toBe(405);
  });

  it('never echoes hostile text as markup', async () => {
    const reply = await whatIf(
      JSON.stringify({ changes: [{ action: 'deleteVault', vault: '<script>alert(1)</script>' }] }),
    );
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});

describe('HTTP API errors', () => {
  it('answers 404 with a JSON error for an unknown id', async () => {
    const id = '99999999-9999-4999-8999-999999999999';
    const reply = await get(`environments/${id}`);
    expect(reply.status).toBe(404);
    expectApiHeaders(reply);
    expect(reply.body).toEqual({ error: { code: 'NotFound', message: `No environment with id ${id} is monitored.` } });
  });

  it('answers 400 with a JSON error for an id that is not a GUID', async () => {
    for (const id of ['sales', "x' or RowKey gt '", '00000000-0000-4000-8000-0000000002071']) {
      const reply = await get(`environments/${encodeURIComponent(id)}`);
      expect(reply.status).toBe(400);
      expectApiHeaders(reply);
      expect(reply.body).toEqual({ error: { code: 'BadRequest', message: 'The environment id must be a GUID.' } });
    }
  });

  it('answers 405 with Allow to any other method', async () => {
    const cases: [string, string, string][] = [
      ['POST', 'health', 'GET, HEAD'],
      ['DELETE', 'environments', 'GET, HEAD'],
      ['PUT', `environments/${environments.expiring}`, 'GET, HEAD'],
      ['PATCH', `environments/not-a-guid`, 'GET, HEAD'],
      ['GET', 'scan', 'POST'],
      ['OPTIONS', 'scan', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const reply = await request(method, path);
      expect(reply.status, `${method} ${path}`).toBe(405);
      expectApiHeaders(reply);
      expect(reply.headers.get('allow')).toBe(allow);
      expect((reply.body as ErrorBody).error.code).toBe('MethodNotAllowed');
    }
  });

  it('answers 500 without a stack trace when the stores fail, and logs the error', async () => {
    const failing = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:10002'));
    const broken: Services = {
      ...world.services,
      stores: failing,
      views: apiViews(world.services.config, failing),
      scanThenAlert: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'policies')")),
    };
    for (const [method, path] of [
      ['GET', 'health'],
      ['GET', 'environments'],
      ['GET', `environments/${environments.expiring}`],
      ['POST', 'scan'],
    ] as const) {
      const reply = await request(method, path, () => broken);
      expect(reply.status, path).toBe(500);
      expectApiHeaders(reply);
      expectNoStack(reply);
      expect(reply.text).not.toMatch(/ECONNREFUSED|Cannot read properties/);
      const { error } = reply.body as ErrorBody;
      expect(error.code).toBe('InternalError');
      expect(error.message).toContain(reply.invocationId);
      expect(
        reply.logs.some((line) => line.startsWith('error: ') && /ECONNREFUSED|Cannot read properties/.test(line)),
      ).toBe(true);
    }
  });

  it('answers 503 naming the missing settings when the configuration is invalid', async () => {
    const unconfigured = () => ({
      ...world.services,
      stores: () => Promise.reject(new Error('unused')),
      config: loadConfig({}),
    });
    for (const [method, path] of [
      ['GET', 'health'],
      ['GET', 'environments'],
      ['POST', 'scan'],
    ] as const) {
      const reply = await request(method, path, unconfigured);
      expect(reply.status).toBe(503);
      expectApiHeaders(reply);
      expectNoStack(reply);
      const { error } = reply.body as ErrorBody;
      expect(error.code).toBe('ConfigurationError');
      expect(error.message).toMatch(/SUBSCRIPTION_IDS:.*TABLES_ENDPOINT:/);
    }
  });
});

describe('HTTP API over the wire (the local host)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const functions = httpFunctions(apiDefinitions(() => world.services));
    server = createServer(hostListener({ http: functions, eventGrid: [] }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves JSON with the API headers, and 405 with Allow', async () => {
    const ok = await fetch(`${base}/environments`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(((await ok.json()) as unknown[]).length).toBe(11);

    const wrong = await fetch(`${base}/scan`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await wrong.json()).toEqual({
      error: { code: 'MethodNotAllowed', message: 'GET is not allowed here; use POST.' },
    });

    const head = await fetch(`${base}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

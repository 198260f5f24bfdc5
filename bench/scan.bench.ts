/**
 * npm run bench — the scan against a tenant of (by default; see world.ts) 10 vaults, 100 keys, 100 policies and 2,000 environments served by
 * the Azure double with 5 ms added to every request, and Azurite for Table Storage.
 *
 * Phases, in this order:
 *   warm-up    one throwaway read of each kind (vault, key, role assignments, policy and environment lists) and the
 *              creation of the tables, so tokens, JIT and table creation favour no phase;
 *   first      services.scan() on empty tables, then the status list scanThenAlert makes after every scan (for its
 *              metrics), which reads again the partitions the scan wrote and saves their snapshots;
 *   second     the same again, nothing changed;
 *   baseline   a naive sequential scan: per policy, its vault, key (+ versions + rotation policy) and access, read once
 *              per policy with the production readers, then every environment evaluated; it writes no state. It runs
 *              last, so the scans' memory is measured before its garbage (and its JIT is the warmer for it).
 *   dashboard  GET /api/dashboard's read model and HTML from the stored statuses, several times (bench/dashboard.ts).
 * The first scan and the baseline both start with fresh SDK clients (cold connections, Key Vault auth challenge);
 * the second scan reuses the first scan's clients, as a warm function instance would.
 *
 * Each phase prints this process's CPU (the monitor's: the double and Azurite run apart) and, for the scans and the
 * baseline, the parse floor: JSON.parse of every body received, captured on the wire (bench/bodies.ts).
 */
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { DefaultAzureCredential } from '@azure/identity';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Config } from '../shared/config.js';
import { createServices } from '../shared/composition/index.js';
import { describeMemory } from '../shared/telemetry/memory.js';
import { evaluate } from '../shared/domain/evaluate.js';
import type { Chain, Environment, Readout, RoleGrant, Status } from '../shared/domain/model.js';
import type { ScanSummary } from '../shared/application/scan.js';
import { AzureInventory } from '../shared/adapters/azure/inventory/azureInventory.js';
import { AzureRestReader } from '../shared/adapters/azure/inventory/azureRest.js';
import { AccessReader, authorizationClients } from '../shared/adapters/azure/truth/accessReader.js';
import { KeyReader } from '../shared/adapters/azure/truth/keyReader.js';
import { VaultReader } from '../shared/adapters/azure/truth/vaultReader.js';
import type { Scenario } from '../sandbox/scenario.js';
import { vaultResourceId } from '../sandbox/double/ids.js';
import { expectedStatuses } from './scenario.js';
import { describeDashboard, measureDashboard } from './dashboard.js';
import { deleteWhere, openTables } from '../shared/adapters/tables/tables.js';
import { describeWhatIf, measureWhatIf } from './whatIf.js';
import { busyMs, TableCounter, tableStats, type TableStats } from './tables.js';
import { latencyMs, startBenchWorldApart, tenantSize } from './world.js';
import type { RemoteDouble } from './doubleProcess.js';
import { BodyCapture, type ParseFloor } from './bodies.js';
import { RequestLog, transportFloor, type TransportFloor } from './transport.js';

const scanConcurrency = 8;
const ruleOptions = { expiringWithinDays: 30, criticalWithinDays: 7, refusalQuietMinutes: 30 };

// ---------------------------------------------------------------------------------------------------------------

/**
 * When the Azure requests (not the managed identity's) were in flight, by what they read: the inventory (policy and
 * environment lists) or the chains (vaults, role assignments, Key Vault).
 */
class AzureTiming {
  private intervals: { group: 'inventory' | 'chains'; start: number; end: number }[] = [];

  constructor(private readonly powerPlatformEndpoint: string) {}

  readonly policy: PipelinePolicy = {
    name: 'benchAzureTiming',
    sendRequest: async (request, next) => {
      const inventory =
        request.url.startsWith(this.powerPlatformEndpoint) || /\/enterprisePolicies(\?|$)/i.test(request.url);
      const interval = {
        group: inventory ? ('inventory' as const) : ('chains' as const),
        start: performance.now(),
        end: Number.NaN,
      };
      this.intervals.push(interval);
      try {
        return await next(request);
      } finally {
        interval.end = performance.now();
      }
    },
  };

  take(): { inventoryMs: number; chainsMs: number } {
    const intervals = this.intervals;
    this.intervals = [];
    return {
      inventoryMs: busyMs(intervals.filter((i) => i.group === 'inventory')),
      chainsMs: busyMs(intervals.filter((i) => i.group === 'chains')),
    };
  }
}

/** New TLS connections this process opens (to the double: Key Vault, ARM, Power Platform), counted at tls.connect. */
const tlsConnections = (() => {
  let count = 0;
  const connect = tls.connect;
  (tls as { connect: typeof tls.connect }).connect = ((...args: Parameters<typeof tls.connect>) => {
    count++;
    return connect(...args);
  }) as typeof tls.connect;
  return {
    take: () => {
      const n = count;
      count = 0;
      return n;
    },
  };
})();

// ---------------------------------------------------------------------------------------------------------------
// Phases: wall time, the monitor's CPU, requests by kind, Table operations, peak RSS, the bodies received.

interface PhaseResult<T> {
  name: string;
  wallMs: number;
  requests: Record<string, number>;
  tables: TableStats;
  azure: { inventoryMs: number; chainsMs: number };
  tlsConnections: number;
  rssStart: number;
  rssPeak: number;
  /** The double's process, apart. */
  doubleRssPeak: number;
  /**
   * This process's heap still in use once the phase is over and a full GC has run (bench/run.ts starts the parts with
   * --expose-gc), in bytes: what the phase left alive; null when the GC cannot be called.
   */
  liveHeapAfter: number | null;
  /**
   * This process's CPU (the monitor's; the double and Azurite run apart) over the phase's run alone, in ms; `totalMs`
   * without the body capture's own time.
   */
  cpu: { userMs: number; systemMs: number; totalMs: number; samplerMs: number };
  /** JSON.parse of every JSON body the phase received (bench/bodies.ts, bench/transport.ts); null when none was seen. */
  parse: ParseFloor | null;
  /** Its Azure requests fetched and parsed again through a bare pipeline, after the phase (bench/transport.ts). */
  transport: TransportFloor | null;
  value: T;
}

/** The parse floor: the Table answers parsed as they arrived, and the Azure answers as the replay parsed them. */
function withAzureParses(captured: ParseFloor, transport: TransportFloor | null): ParseFloor {
  const azure = captured.bySource.azure;
  if (!azure.json) return captured;
  if (!transport || transport.jsonBytes !== azure.jsonBytes)
    throw new Error(
      `the replay did not receive the phase's Azure answers: ${azure.jsonBytes} bytes of JSON in the phase, ` +
        `${transport?.jsonBytes ?? 'none'} in the replay`,
    );
  return {
    ...captured,
    cpuMs: captured.cpuMs + transport.parseMs,
    bodies: captured.bodies + azure.json,
    bytes: captured.bytes + azure.jsonBytes,
  };
}

/**
 * One phase, measured. `bodies` (when given) counts every answer received during the run and parses Table Storage's
 * as they arrive, keeping nothing; its own time is taken out of the phase's CPU. `requests` (when given) records the
 * Azure requests, fetched again after the phase for the transport floor, which parses their answers for the parse
 * floor.
 */
async function measure<T>(
  name: string,
  double: RemoteDouble,
  tables: TableCounter,
  azure: AzureTiming,
  bodies: BodyCapture | null,
  run: () => Promise<T>,
  requests: RequestLog | null = null,
): Promise<PhaseResult<T>> {
  await double.reset();
  tables.take();
  azure.take();
  tlsConnections.take();
  const rssStart = process.memoryUsage.rss();
  let rssPeak = rssStart;
  // Reading the RSS costs about 0.2 ms here (a read of /proc): its own time is taken out of the phase's CPU.
  let samplerMs = 0;
  const sampler = setInterval(() => {
    const before = performance.now();
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    samplerMs += performance.now() - before;
  }, 5);
  sampler.unref();
  bodies?.arm();
  requests?.arm();
  let value: T;
  let wallMs: number;
  let cpu: NodeJS.CpuUsage;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  try {
    value = await run();
    wallMs = performance.now() - started;
    cpu = process.cpuUsage(cpuStart);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  } finally {
    clearInterval(sampler);
    bodies?.stop();
  }
  const captured = bodies ? bodies.take() : null;
  const served = await double.requests();
  // Outside the phase's CPU: its Azure requests again, through a bare pipeline and through Node's https, which also
  // times the parse of the Azure answers for the parse floor.
  const transport = requests ? await transportFloor(requests, double.ca) : null;
  const parse = captured && withAzureParses(captured, transport);
  // A warm instance's heap is collected between two scans an hour apart; here, between two phases.
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const liveHeapAfter = collect ? process.memoryUsage().heapUsed : null;
  return {
    name,
    wallMs,
    requests: served.requests,
    tables: tableStats(tables.take()),
    azure: azure.take(),
    tlsConnections: tlsConnections.take(),
    rssStart,
    rssPeak,
    doubleRssPeak: served.rssPeak,
    liveHeapAfter,
    transport,
    cpu: {
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      totalMs: (cpu.user + cpu.system) / 1000 - (parse?.captureMs ?? 0) - samplerMs,
      samplerMs,
    },
    parse,
    value,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The baseline: one policy after another, nothing shared, nothing concurrent.

interface BaselineResult {
  environments: number;
  byStatus: Record<Status, number>;
  policies: number;
}

interface Readers {
  inventory: AzureInventory;
  vaults: VaultReader;
  keys: KeyReader;
  access: () => AccessReader;
}

/** Fresh production readers and clients (as createServices builds them), sharing only the credential. */
function freshReaders(
  config: Config,
  credential: DefaultAzureCredential,
  ca: string,
  policies: PipelinePolicy[],
): Readers {
  const pipeline = {
    tlsOptions: { ca },
    additionalPolicies: policies.map((policy) => ({ policy, position: 'perCall' as const })),
  };
  const arm = { ...pipeline, endpoint: config.armEndpoint };
  const subscriptionIds = config.inventory.source === 'azure' ? config.inventory.subscriptionIds : [];
  const clients = authorizationClients(credential, arm);
  return {
    inventory: new AzureInventory({
      arm: new AzureRestReader(credential, `${config.armEndpoint}/.default`, pipeline),
      armEndpoint: config.armEndpoint,
      powerPlatform: new AzureRestReader(credential, config.powerPlatformScope, pipeline),
      powerPlatformEndpoint: config.powerPlatformEndpoint,
      subscriptionIds,
    }),
    vaults: new VaultReader(credential, arm),
    keys: new KeyReader(credential, pipeline),
    access: () => new AccessReader(clients),
  };
}

async function baselineScan(readers: Readers, now: Date): Promise<BaselineResult> {
  const environmentList: Environment[] = [];
  const inventory = await readers.inventory.read((page) => environmentList.push(...page));
  const chains = new Map<string, Chain>();
  for (const policy of inventory.policies) {
    const vault = await readers.vaults.read(policy.vaultId);
    let key: Chain['key'];
    let grants: Readout<RoleGrant[]>;
    if (vault.kind === 'found') {
      key = await readers.keys.read(vault.value, policy.keyName, policy.keyVersion);
      // A reader of its own per policy: the naive scan lists the vault's role assignments for each identity anew.
      grants = vault.value.rbac
        ? await readers.access().read(vault.value, policy.principalId)
        : { kind: 'found', value: [] };
    } else {
      key = { kind: vault.kind, detail: vault.detail };
      grants = { kind: vault.kind, detail: vault.detail };
    }
    chains.set(policy.id.toLowerCase(), { policy, vault, key, grants });
  }
  const byStatus: Record<Status, number> = { healthy: 0, warning: 0, critical: 0, outage: 0, unknown: 0 };
  let environments = 0;
  for (const environment of environmentList) {
    const chain = environment.policyId ? chains.get(environment.policyId.toLowerCase()) : undefined;
    if (!chain) continue;
    byStatus[evaluate({ environment, chain, unlink: null }, now, ruleOptions).status]++;
    environments++;
  }
  return { environments, byStatus, policies: inventory.policies.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Output.

const ms = (value: number) => `${value.toFixed(0)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** Milliseconds with the digits a short CPU time needs. */
const msFine = (value: number) => `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ms`;
const cpuMs = (phase: PhaseResult<unknown>) => ms(phase.cpu.totalMs);
/** The monitor's CPU per environment of the tenant, in µs. */
const cpuPerEnvironment = (phase: PhaseResult<unknown>, environments: number) =>
  `${((phase.cpu.totalMs * 1000) / environments).toFixed(0)} µs`;
const pad = (text: string, width: number) => text.padEnd(width);
const padLeft = (text: string, width: number) => text.padStart(width);

function printPhase(phase: PhaseResult<unknown>, note: string, environments?: number): void {
  console.log(`\n── ${phase.name} ${'─'.repeat(Math.max(0, 74 - phase.name.length))}`);
  if (note) console.log(note);
  console.log(`  wall time         ${ms(phase.wallMs)}`);
  console.log(
    `  monitor CPU       ${cpuMs(phase)} (user ${ms(phase.cpu.userMs)}, system ${ms(phase.cpu.systemMs)}` +
      (phase.parse ? `, less the body capture's own ${msFine(phase.parse.captureMs)}` : '') +
      `, less the RSS sampler's ${msFine(phase.cpu.samplerMs)}` +
      ')' +
      (environments ? `, ${cpuPerEnvironment(phase, environments)} per environment` : ''),
  );
  const { inventoryMs, chainsMs } = phase.azure;
  const rest = phase.wallMs - inventoryMs - chainsMs - phase.tables.busyMs;
  console.log(
    `    requests in flight: inventory ${ms(inventoryMs)}, chains ${ms(chainsMs)}, Table ${ms(phase.tables.busyMs)}; ` +
      `none in flight ${ms(Math.max(0, rest))}`,
  );
  console.log(`    new TLS connections: ${phase.tlsConnections}`);
  console.log(
    `  peak RSS          monitor ${mib(phase.rssPeak)} (at start ${mib(phase.rssStart)}, +${mib(Math.max(0, phase.rssPeak - phase.rssStart))}); ` +
      `the double's process ${mib(phase.doubleRssPeak)}`,
  );
  console.log(
    `    live heap after the phase (a full GC): ${phase.liveHeapAfter === null ? 'not measured (run without --expose-gc)' : mib(phase.liveHeapAfter)}`,
  );
  if (phase.parse) {
    const { azure, tables } = phase.parse.bySource;
    const notJson = (n: number, chars: number, what: string) => (n ? `; ${n} ${what}, ${mb(chars)}, not JSON` : '');
    console.log(
      `  bodies received   ${phase.parse.bodies} JSON, ${mb(phase.parse.bytes)}: ${azure.json} Azure (Key Vault, ARM, Power Platform), ` +
        `${tables.json} Table` +
        (tables.multipart
          ? `; ${tables.multipart} Table $batch answers (multipart, ${mb(tables.multipartChars)}), with ${tables.jsonInMultipart} JSON sub-answers`
          : '') +
        notJson(azure.other, azure.otherChars, 'other Azure answers') +
        notJson(tables.other, tables.otherChars, 'other Table answers') +
        `; ${azure.empty + tables.empty} empty`,
    );
    console.log(
      `    JSON.parse of them all: ${msFine(phase.parse.cpuMs)}; Table answers as they arrived, Azure answers (the same ` +
        `bytes) when fetched again after the phase; nothing kept, so not in the peak RSS`,
    );
  }
  const kinds = Object.entries(phase.requests).sort(([a], [b]) => a.localeCompare(b));
  const total = kinds.reduce((sum, [, n]) => sum + n, 0);
  console.log(`  requests to the double: ${total}`);
  for (const [kind, n] of kinds) console.log(`    ${pad(kind, 36)}${padLeft(String(n), 6)}`);
  const t = phase.tables;
  if (t.requests === 0) {
    console.log('  Table operations: none');
  } else {
    console.log(
      `  Table operations: ${t.requests} requests: ${t.reads} reads, ${t.writes} single writes, ` +
        `${t.batches} $batch (${t.batchedOperations} entity operations)${t.failed ? `, ${t.failed} not 2xx` : ''}`,
    );
    for (const [target, n] of [...t.byTarget].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`    ${pad(target, 36)}${padLeft(String(n), 6)}`);
    }
  }
}

function chainRequests(requests: Record<string, number>): number {
  return Object.entries(requests)
    .filter(([kind]) => kind.startsWith('keyvault.') || kind.startsWith('arm.'))
    .reduce((sum, [, n]) => sum + n, 0);
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = performance.now();
  const world = await startBenchWorldApart('bench', scanConcurrency);
  const { scenario, double, config } = world;
  try {
    // One credential for the scan and the baseline, so neither pays for tokens the other already fetched.
    const credential = new DefaultAzureCredential();
    const tables = new TableCounter();
    // Instrumentation only: when requests were in flight, to show where each phase's time went.
    const azure = new AzureTiming(double.powerPlatformEndpoint);
    // Every answer a scan phase receives, counted (and Table Storage's parsed) for the parse floor.
    const bodies = new BodyCapture();
    // Every Azure request of a scan phase, to fetch again for the transport floor.
    const requests = new RequestLog();
    const services = createServices(config, {
      ca: double.ca,
      credential,
      tablePolicies: [tables.policy, bodies.policy('tables')],
      azurePolicies: [azure.policy, bodies.policy('azure'), requests.policy],
    });

    console.log('CMK monitor scan benchmark');
    console.log(
      `tenant: ${scenario.vaults.length} vaults, ${scenario.vaults.reduce((n, v) => n + v.keys.length, 0)} keys, ` +
        `${scenario.policies.length} policies, ${scenario.environments.length} environments; ` +
        `double: +${latencyMs} ms per request, page size 50; scan concurrency ${scanConcurrency}; Node ${process.version}`,
    );
    console.log(`setup (Azurite + double): ${ms(performance.now() - startedAt)}`);
    console.log(
      'order: warm-up, first scan, second scan, baseline. The warm-up fetches every token into the one credential\n' +
        'all use; the first scan and the baseline each start with fresh SDK clients (new connections, Key Vault auth\n' +
        "challenge per vault client); the second scan reuses the first scan's clients, as a warm instance would.",
    );

    const warm = await measure('warm-up', double, tables, azure, null, async () => {
      const readers = freshReaders(config, credential, double.ca, [azure.policy]);
      await warmUpReads(readers, credential, config, double, scenario);
      await services.stores();
    });
    printPhase(
      warm,
      '  one throwaway read of each kind with readers of its own (tokens for ARM, Key Vault, Power Platform; JIT),\n' +
        '  and the creation of the four tables; not part of any phase below',
    );

    const environments = scenario.environments.length;
    const log: string[] = [];
    const scanThenList = async () => {
      const summary = await services.scan((m) => log.push(m));
      await (await services.stores()).statuses.list();
      return summary;
    };
    const first = await measure('first scan (empty tables)', double, tables, azure, bodies, scanThenList, requests);
    printPhase(first, `  ${describeSummary(first.value)}`, environments);

    const second = await measure(
      'second scan (nothing changed)',
      double,
      tables,
      azure,
      bodies,
      scanThenList,
      requests,
    );
    printPhase(second, `  ${describeSummary(second.value)}`, environments);

    const now = new Date();
    const baseline = await measure(
      'baseline: sequential, once per policy',
      double,
      tables,
      azure,
      bodies,
      () =>
        baselineScan(
          freshReaders(config, credential, double.ca, [azure.policy, bodies.policy('azure'), requests.policy]),
          now,
        ),
      requests,
    );
    printPhase(
      baseline,
      '  inventory, then per policy: vault, key (+ versions + rotation policy, in parallel inside KeyReader), access;\n' +
        '  one policy at a time, nothing shared; evaluates every environment; writes nothing',
      environments,
    );

    const dashboard = await measureDashboard(
      services,
      config,
      second.value.byStatus,
      () => createServices(config),
      async () => {
        await deleteWhere(
          await openTables(config, credential).get('Status'),
          "RowKey ge 'snapshot|' and RowKey lt 'snapshot}'",
        );
      },
    );
    const whatIfFigures = await measureWhatIf(services);

    // ── Summary
    console.log(`\n── summary ${'─'.repeat(66)}`);
    const phases = [baseline, first, second] as PhaseResult<unknown>[];
    const header = ['', 'baseline', 'first scan', 'second scan'];
    const rows: string[][] = [
      ['wall time', ...phases.map((p) => ms(p.wallMs))],
      ['monitor CPU', ...phases.map(cpuMs)],
      ['  per environment', ...phases.map((p) => cpuPerEnvironment(p, environments))],
      ['  parse floor', ...phases.map((p) => (p.parse ? msFine(p.parse.cpuMs) : '—'))],
      ['requests (all)', ...phases.map((p) => String(Object.values(p.requests).reduce((a, b) => a + b, 0)))],
      ['  Key Vault + ARM', ...phases.map((p) => String(chainRequests(p.requests)))],
      ['Table reads', ...phases.map((p) => String(p.tables.reads))],
      ['Table writes (single)', ...phases.map((p) => String(p.tables.writes))],
      ['Table $batch (operations)', ...phases.map((p) => `${p.tables.batches} (${p.tables.batchedOperations})`)],
      ['peak RSS, monitor', ...phases.map((p) => mib(p.rssPeak))],
      ['peak RSS, the double', ...phases.map((p) => mib(p.doubleRssPeak))],
      ['live heap after', ...phases.map((p) => (p.liveHeapAfter === null ? '—' : mib(p.liveHeapAfter)))],
    ];
    for (const row of [header, ...rows])
      console.log(
        `  ${pad(row[0] ?? '', 28)}${row
          .slice(1)
          .map((c) => padLeft(c, 14))
          .join('')}`,
      );

    const byStatus = (counts: Record<Status, number>) =>
      Object.entries(counts)
        .map(([status, n]) => `${status} ${n}`)
        .join(', ');
    const expected = expectedStatuses(tenantSize);
    console.log(`\n  statuses, baseline:   ${byStatus(baseline.value.byStatus)}`);
    console.log(`  statuses, first scan: ${byStatus(first.value.byStatus)}`);
    console.log(`  statuses, expected:   ${byStatus(expected)}`);
    const agree = (a: Record<Status, number>, b: Record<Status, number>) =>
      (Object.keys(a) as Status[]).every((status) => a[status] === b[status]);
    const statusesAgree = agree(baseline.value.byStatus, first.value.byStatus) && agree(first.value.byStatus, expected);
    if (!statusesAgree) console.log('  !! the baseline, the scan and the expectation disagree');

    console.log('');
    console.log(
      `  first scan vs baseline:  ${(baseline.wallMs / first.wallMs).toFixed(1)}x faster (${ms(baseline.wallMs)} / ${ms(first.wallMs)})`,
    );
    console.log(
      `  second scan vs baseline: ${(baseline.wallMs / second.wallMs).toFixed(1)}x faster (${ms(baseline.wallMs)} / ${ms(second.wallMs)})`,
    );
    console.log('');
    for (const line of describeDashboard(dashboard, scenario.environments.length)) console.log(line);
    for (const line of describeWhatIf(whatIfFigures, scenario.environments.length)) console.log(line);

    const vaults = scenario.vaults.length;
    const keys = scenario.vaults.reduce((n, v) => n + v.keys.length, 0);
    const listedVaults = scenario.vaults.filter((vault) => (vault as { type?: string }).type !== 'managedHsm').length;
    // Keys through Resource Manager: the key (with its rotation policy) and its versions; access once per RBAC vault.
    const chainFormula = vaults + 2 * keys + listedVaults;
    console.log('');
    for (const phase of [first, second]) {
      const requests = phase.requests;
      const chain =
        (requests['arm.getVault'] ?? 0) +
        (requests['arm.getKey'] ?? 0) +
        (requests['arm.listKeyVersions'] ?? 0) +
        (requests['keyvault.getKey'] ?? 0) +
        (requests['keyvault.listKeyVersions'] ?? 0) +
        (requests['keyvault.getRotationPolicy'] ?? 0) +
        (requests['arm.listRoleAssignments'] ?? 0);
      console.log(
        `  ${phase.name}: ${chainRequests(requests)} Key Vault + ARM requests for ${environments} environments ` +
          `(${(chainRequests(requests) / environments).toFixed(3)} per environment); chain reads ${chain} = ` +
          `${vaults} vaults + 2 × ${keys} keys + ${listedVaults} role-assignment listings, one per Key Vault (${chainFormula}), none per environment; ` +
          `access: ${requests['arm.listRoleAssignments'] ?? 0} ARM reads for ${new Set(scenario.policies.map((p) => p.principalId)).size} identities`,
      );
    }
    const listPages = first.requests['powerPlatform.listEnvironments'] ?? 0;
    // The floor: what the requests alone must take at this latency — the critical path, the longer of the environment
    // pages one after another (each names the next) and the chain reads over the scan's concurrency slots, which the
    // scan reads at the same time as the pages; Table time and CPU come on top.
    const pagesMs = listPages * latencyMs;
    const chainsMs = Math.ceil(chainFormula / scanConcurrency) * latencyMs;
    const floorMs = Math.max(pagesMs, chainsMs);
    console.log(
      `  floor at ${latencyMs} ms per request: ${ms(floorMs)} = the longer of ${listPages} environment pages in sequence ` +
        `(${ms(pagesMs)}) and ${chainFormula} chain reads over ${scanConcurrency} slots (${ms(chainsMs)}), read at the same time; ` +
        `first scan ${(first.wallMs / floorMs).toFixed(2)}× the floor, second scan ${(second.wallMs / floorMs).toFixed(2)}×`,
    );
    // The monitor's CPU against the least CPU that reading its answers takes: JSON.parse of every body it received.
    for (const phase of [first, second, baseline]) {
      const parse = phase.parse;
      console.log(
        parse && parse.cpuMs > 0
          ? `  ${phase.name}: monitor CPU ${cpuMs(phase)} = ${(phase.cpu.totalMs / parse.cpuMs).toFixed(1)}× the parse floor ` +
              `(${msFine(parse.cpuMs)} to parse ${parse.bodies} bodies, ${mb(parse.bytes)})`
          : `  ${phase.name}: no parse floor (no JSON body was captured)`,
      );
      const transport = phase.transport;
      if (transport && transport.cpuMs > 0)
        console.log(
          `    = ${(phase.cpu.totalMs / transport.cpuMs).toFixed(1)}× the transport floor (${ms(transport.cpuMs)} to fetch ` +
            `again and parse its ${transport.requests} Azure answers through a bare pipeline; ${transport.skipped} not replayed)\n` +
            `      through Node's https alone, without the SDK: ${ms(transport.nodeCpuMs)}` +
            (parse && parse.cpuMs > 0 ? `, ${(transport.nodeCpuMs / parse.cpuMs).toFixed(1)}× the parse floor` : ''),
        );
    }
    console.log(
      '    bodies captured on the wire by a per-call policy of the Azure clients (Key Vault, ARM, Power Platform) and of\n' +
        "    the Table clients; not captured: the managed identity's token answers (the credential's own pipeline) and\n" +
        "    Key Vault's 401 challenges (answered inside the client's auth policy); of the Table $batch answers (multipart), only\n" +
        '    the JSON sub-answers the Tables SDK parses (errors; a write that succeeds answers 204 without a body)',
    );
    console.log(
      `  only the environment list grows with environments: ${listPages} pages of 50 (Power Platform), ` +
        `${first.requests['arm.listEnterprisePolicies'] ?? 0} pages of policies (ARM)`,
    );
    console.log(
      `  baseline: ${chainRequests(baseline.requests)} Key Vault + ARM requests (${baseline.value.policies} policies × 5 reads + ${baseline.requests['arm.listEnterprisePolicies'] ?? 0} policy pages${baseline.requests['keyvault.unauthenticated'] ? ` + ${baseline.requests['keyvault.unauthenticated']} auth challenges` : ''})`,
    );

    // ── Table writes at real Table Storage's targets.
    const model = first.tables.model;
    console.log(
      `\n  first scan's writes on real Table Storage (2,000 entities/s per partition, 20,000/s per account): at least ` +
        `${(model.seconds * 1000).toFixed(0)} ms for ${model.entities} entities over ${model.partitions} partitions, bound by ${model.bound}; ` +
        `with each table in one partition (before issue 13): ${(first.tables.modelOnePartition.seconds * 1000).toFixed(0)} ms`,
    );

    // ── Second scan: only the heartbeat may be written.
    const writes = [...second.tables.byTarget].filter(([target]) => !target.startsWith('GET '));
    const heartbeatOnly =
      writes.length === 1 && writes[0]?.[0] === `PUT ${config.tablePrefix}Scans` && writes[0][1] === 1;
    console.log('');
    console.log(
      heartbeatOnly
        ? `  second scan wrote only the Scans heartbeat (1 upsert); summary.writes ${JSON.stringify(second.value.writes)}`
        : `  !! second scan wrote more than the heartbeat: ${writes.map(([t, n]) => `${t} ×${n}`).join(', ') || 'nothing'}; summary.writes ${JSON.stringify(second.value.writes)}`,
    );
    if (log.length) console.log(`  scan log (${log.length} lines): ${log.slice(0, 5).join(' | ')}`);
    console.log(
      `\n  notes: the double and Azurite each run in a process of their own; peak RSS "monitor" is this process's alone.\n` +
        `  ${describeRuntime()}`,
    );
    console.log(
      "  monitor CPU is this process's over each phase's run, less the body capture's and the RSS sampler's own time; the rest of the bench's\n" +
        '  instrumentation is in it (request timing, Table counter, RSS sampled every 5 ms).',
    );
    console.log(`  total run: ${ms(performance.now() - startedAt)}`);
    if (!statusesAgree || !heartbeatOnly) throw new Error('a scan was wrong: see the lines marked !!');
  } finally {
    await world.stop();
  }
}

/** How this process runs the monitor: compiled or through tsx (about 40 MiB more RSS at the start, measured). */
function describeRuntime(): string {
  const compiled = import.meta.url.endsWith('.js');
  return (
    `This process runs ${compiled ? 'the compiled JavaScript' : 'the TypeScript through tsx (npm run bench runs it compiled)'}; ` +
    `at the end, ${describeMemory()} (bench/instance.ts).`
  );
}

function describeSummary(summary: ScanSummary): string {
  return (
    `summary: ${summary.environments} environments, ${summary.policies} policies, ${summary.vaults} vaults, ${summary.keys} keys; ` +
    `writes ${JSON.stringify(summary.writes)}; failed ${summary.failed}`
  );
}

/**
 * Throwaway reads of every kind, with readers of their own: one vault, one key, one identity's grants, and the first
 * page of the policy and environment lists. Fetches the ARM, Key Vault and Power Platform tokens into the shared
 * credential and warms the code paths (JIT) for every phase alike.
 */
async function warmUpReads(
  readers: Readers,
  credential: DefaultAzureCredential,
  config: Config,
  double: RemoteDouble,
  scenario: Scenario,
): Promise<void> {
  const policy = scenario.policies[0];
  const vaultOf = scenario.vaults.find((v) => v.name === policy?.vault);
  if (!policy || !vaultOf) throw new Error('the benchmark scenario has no policy');
  const vault = await readers.vaults.read(vaultResourceId(double.subscriptionId, vaultOf.resourceGroup, vaultOf.name));
  if (vault.kind !== 'found') throw new Error(`warm-up: vault ${vaultOf.name} not readable: ${vault.detail}`);
  const key = await readers.keys.read(vault.value, policy.key, null);
  if (key.kind !== 'found') throw new Error(`warm-up: key ${policy.key} not readable: ${key.detail}`);
  const grants = await readers.access().read(vault.value, policy.principalId);
  if (grants.kind !== 'found') throw new Error(`warm-up: role assignments not readable: ${grants.detail}`);
  const pipeline = { tlsOptions: { ca: double.ca } };
  const firstItem = async (reader: AzureRestReader, url: string) => {
    for await (const item of reader.list(url)) return item;
    throw new Error(`warm-up: ${url} listed nothing`);
  };
  const subscriptionId = encodeURIComponent(double.subscriptionId);
  await firstItem(
    new AzureRestReader(credential, `${config.armEndpoint}/.default`, pipeline),
    `${config.armEndpoint}/subscriptions/${subscriptionId}/providers/Microsoft.PowerPlatform/enterprisePolicies?api-version=2020-10-30-preview`,
  );
  await firstItem(
    new AzureRestReader(credential, config.powerPlatformScope, pipeline),
    `${config.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  },
);

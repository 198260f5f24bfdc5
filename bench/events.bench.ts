/**
 * npm run bench (second part) — 500 events through the sandbox's Event Grid endpoint, against the benchmark tenant
 * (10 vaults, 100 keys, 100 policies, 2,000 environments; 5 ms added to every Azure request; Azurite).
 *
 * After a first scan fills the tables, a steady scan (nothing changed) is measured as the baseline. Then 500 admin
 * writes go to the double, 100 keys × 5 rounds: disable the current version, enable it, create a new version, delete
 * the policy identity's role assignment, put it back (the other way round for the two identities that have none). Each write makes the event Azure would send, POSTed to
 * `/runtime/webhooks/eventgrid` of a local host serving the production event functions, 8 deliveries in flight, as
 * Event Grid spreads them; disable and enable, for which Azure publishes no event, send Key Vault's audit record of
 * the write to the host's Event Hub path instead (keyVaultAuditEvents; the log's own delay is not counted here,
 * see audit.bench.ts). Latency is from the write to the endpoint's
 * 200, which comes after the statuses are committed and the alerts decided; that step is also timed inside
 * the function. A full scan at the end must find no status left to change. --quick: 4 keys × 5 rounds, on its small tenant.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { eventDefinitions } from '../functions/events.js';
import { createServices, type Services } from '../shared/composition/index.js';
import type { AzureDouble } from '../sandbox/double/index.js';
import { auditDefinitions } from '../functions/auditEvents.js';
import type { AuditRecord } from '../sandbox/double/auditLog.js';
import { eventsFor, type EventGridEvent } from '../sandbox/double/events.js';
import { functionNameFor } from '../sandbox/double/publisher.js';
import { hostListener } from '../sandbox/host/listener.js';
import { quick } from './quick.js';
import { TableCounter, tableStats, type TableStats } from './tables.js';
import { latencyMs, startBenchWorld } from './world.js';

const inFlight = 8;
const cryptoServiceEncryptionUser = 'e147488a-f6f5-4113-8e2d-b22465e65bf6';
const rounds = ['disable', 'enable', 'new version', 'toggle access', 'toggle access'] as const;

interface Cost {
  wallMs: number;
  azure: number;
  byKind: Record<string, number>;
  tables: TableStats;
}

async function main(): Promise<void> {
  const world = await startBenchWorld('benchEvents', 8);
  const { scenario, double, config } = world;
  let host: Server | undefined;
  try {
    const tables = new TableCounter();
    const services = createServices(config, { ca: double.ca, tablePolicies: [tables.policy] });
    // Server-side timing of what an event's use case runs: re-evaluating the environments, deciding alerts, counting it.
    const steps = { event: [] as number[], 'audit batch': [] as number[] };
    const timed: Services = {
      ...services,
      event: (...args) => timeStep(steps.event, () => services.event(...args)),
      audit: (...args) => timeStep(steps['audit batch'], () => services.audit(...args)),
    };
    const endpoint = await startHost(timed);
    host = endpoint.server;

    console.log('CMK monitor event benchmark');
    console.log(
      `tenant: ${scenario.policies.length} policies, ${scenario.environments.length} environments; +${latencyMs} ms per Azure request; ${inFlight} deliveries in flight`,
    );

    await services.scan(() => undefined);
    const scan = await cost(double, tables, () => services.scan(() => undefined));

    const writes = plan(double);
    const latencies: number[] = [];
    const latenciesByType = new Map<string, number[]>();
    const types = new Map<string, number>();
    // The host logs a line per event; 500 of them would bury the figures.
    const log = console.log;
    console.log = () => undefined;
    const events = await cost(double, tables, async () => {
      const limit = pLimit(inFlight);
      await Promise.all(
        writes.map((write) =>
          limit(async () => {
            const started = performance.now();
            const { events: emitted, records } = write();
            for (const event of emitted) {
              types.set(event.eventType, (types.get(event.eventType) ?? 0) + 1);
              await deliver(endpoint.url, event);
            }
            if (!emitted.length) {
              for (const record of records)
                types.set(
                  `AuditEvent.${record.operationName}`,
                  (types.get(`AuditEvent.${record.operationName}`) ?? 0) + 1,
                );
              await deliverAudit(endpoint.auditUrl, records);
            }
            const latency = performance.now() - started;
            latencies.push(latency);
            const type = emitted.length
              ? emitted.map((event) => event.eventType.replace(/^Microsoft\./, '')).join(' + ')
              : records.map((record) => `AuditEvent.${record.operationName}`).join(' + ');
            latenciesByType.set(type, [...(latenciesByType.get(type) ?? []), latency]);
          }),
        ),
      );
    });
    console.log = log;
    const eventCount = [...types.values()].reduce((a, b) => a + b, 0);

    console.log = () => undefined;
    const alone = await oneAtATime(double, tables, endpoint.url);
    console.log = log;

    const check = await services.scan(() => undefined);

    const perEvent = (n: number) => n / eventCount;
    const sorted = [...latencies].sort((a, b) => a - b);
    const percentile = (p: number, values = sorted) =>
      values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? Number.NaN;
    const tableOps = (t: TableStats) => t.reads + t.writes + t.batches;

    console.log(
      `\nevents delivered: ${eventCount} (${[...types].map(([type, n]) => `${type.replace(/^Microsoft\./, '')} ${n}`).join(', ')})`,
    );
    console.log(
      `  write-to-acknowledged    p50 ${ms(percentile(50))}, p95 ${ms(percentile(95))}, max ${ms(sorted.at(-1) ?? Number.NaN)}`,
    );
    for (const [type, values] of latenciesByType) {
      const ordered = [...values].sort((a, b) => a - b);
      console.log(`    ${type.padEnd(36)} p50 ${ms(percentile(50, ordered))}, p95 ${ms(percentile(95, ordered))}`);
    }
    for (const [step, values] of Object.entries(steps)) {
      const ordered = [...values].sort((a, b) => a - b);
      console.log(
        `    of which ${step.padEnd(27)} p50 ${ms(percentile(50, ordered))}, p95 ${ms(percentile(95, ordered))} (${values.length} runs)`,
      );
    }
    console.log(
      `  wall time for all        ${ms(events.wallMs)} (${(eventCount / (events.wallMs / 1000)).toFixed(0)} events/s)`,
    );
    console.log(
      `  Azure requests per event ${perEvent(events.azure).toFixed(1)}  (${describeKinds(events.byKind, eventCount)})`,
    );
    console.log(
      `  Table requests per event ${perEvent(tableOps(events.tables)).toFixed(1)}  (reads ${perEvent(events.tables.reads).toFixed(1)}, ` +
        `single writes ${perEvent(events.tables.writes).toFixed(1)}, $batch ${perEvent(events.tables.batches).toFixed(1)} carrying ${perEvent(events.tables.batchedOperations).toFixed(1)} rows)`,
    );
    const per = (t: TableStats, n: number) =>
      `${((t.reads + t.writes + t.batches) / n).toFixed(1)} (reads ${(t.reads / n).toFixed(1)}, single writes ${(t.writes / n).toFixed(1)}, $batch ${(t.batches / n).toFixed(1)})`;
    console.log(`\none event at a time, ${alone.keyEnvironments} of each, on a warm instance:`);
    console.log(`  Table requests per KeyNewVersionCreated event         ${per(alone.key, alone.keyEnvironments)}`);
    console.log(`  Table requests per role-assignment deletion event     ${per(alone.access, alone.keyEnvironments)}`);
    console.log(`\nbaseline: one full scan, nothing changed`);
    console.log(
      `  wall time ${ms(scan.wallMs)}, Azure requests ${scan.azure}, Table requests ${tableOps(scan.tables)}`,
    );
    console.log(`\none event against one full scan`);
    console.log(`  latency p50 / scan wall time      ${ratio(percentile(50), scan.wallMs)}`);
    console.log(`  Azure requests                    ${ratio(perEvent(events.azure), scan.azure)}`);
    console.log(
      `  Table requests                    ${ratio(perEvent(tableOps(events.tables)), tableOps(scan.tables))}`,
    );
    const statusWrites = check.writes.environments;
    console.log(
      `\ncheck: a full scan after the events ${statusWrites === 0 ? 'found every status already up to date' : `!! changed ${statusWrites} statuses the events missed`}; ` +
        `summary ${JSON.stringify(check.byStatus)}`,
    );
    if (statusWrites) throw new Error(`the events missed ${statusWrites} statuses`);
    if (!events.azure) throw new Error(`${eventCount} events made no Key Vault or ARM request: nothing was re-read`);
  } finally {
    host?.close();
    host?.closeAllConnections();
    await world.stop();
  }
}

/** The 500 writes, round by round over the 100 policy keys; each returns the events and audit records it made. */
function plan(double: AzureDouble): (() => { events: EventGridEvent[]; records: AuditRecord[] })[] {
  const { state } = double;
  const emitted: EventGridEvent[] = [];
  const records: AuditRecord[] = [];
  state.onChange((change) => emitted.push(...eventsFor(change, state)));
  double.auditLog.onRecord((record) => records.push(record));
  const capture = (write: () => void) => () => {
    emitted.length = 0;
    records.length = 0;
    write();
    return { events: emitted.splice(0), records: records.splice(0) };
  };
  return rounds.flatMap((round) =>
    sampled(state.policies).map((policy) =>
      capture(() => {
        const current = () => state.requireKeyVersion(policy.vaultName, policy.keyName, undefined).id;
        switch (round) {
          case 'disable':
            return void state.updateKeyVersion(policy.vaultName, policy.keyName, current(), { enabled: false });
          case 'enable':
            return void state.updateKeyVersion(policy.vaultName, policy.keyName, current(), { enabled: true });
          case 'new version':
            return void state.createKeyVersion(policy.vaultName, policy.keyName, {
              expiresOn: new Date(state.now().getTime() + 365 * 86_400_000),
            });
          case 'toggle access': {
            const grant = state.roleAssignments.find((assignment) => assignment.principalId === policy.principalId);
            if (grant) return void state.deleteRoleAssignment(grant.id);
            return void state.putRoleAssignment({
              scope: policy.vaultId,
              principalId: policy.principalId,
              roleDefinitionId: cryptoServiceEncryptionUser,
            });
          }
        }
      }),
    ),
  );
}

/** `count` policies spread evenly over the tenant: every one of the default tenant's 100 (500 events), 4 with --quick (20). */
function sampled<T>(policies: T[], count = quick ? 4 : 100): T[] {
  const step = Math.max(1, Math.floor(policies.length / count));
  return policies.filter((_, i) => i % step === 0).slice(0, count);
}

/**
 * What one event costs in Table requests when it runs alone: `count` new key versions, then `count` role assignments
 * deleted, each delivered and answered before the next write.
 */
async function oneAtATime(
  double: AzureDouble,
  tables: TableCounter,
  url: string,
  count = quick ? 4 : 20,
): Promise<{ key: TableStats; access: TableStats; keyEnvironments: number }> {
  const { state } = double;
  const policies = sampled(state.policies, count);
  const emitted: EventGridEvent[] = [];
  state.onChange((change) => emitted.push(...eventsFor(change, state)));
  const run = async (write: (policy: (typeof policies)[number]) => void) => {
    tables.take();
    for (const policy of policies) {
      emitted.length = 0;
      write(policy);
      for (const event of emitted.splice(0)) await deliver(url, event);
    }
    return tableStats(tables.take());
  };
  const key = await run((policy) =>
    state.createKeyVersion(policy.vaultName, policy.keyName, {
      expiresOn: new Date(state.now().getTime() + 365 * 86_400_000),
    }),
  );
  const access = await run((policy) => {
    const grant = state.roleAssignments.find((assignment) => assignment.principalId === policy.principalId);
    if (grant) state.deleteRoleAssignment(grant.id);
  });
  return { key, access, keyEnvironments: policies.length };
}

async function startHost(services: Services): Promise<{ server: Server; url: string; auditUrl: string }> {
  const functions = eventDefinitions(() => services).flatMap((d) =>
    d.trigger === 'eventGrid' ? [{ name: d.name, options: d.options }] : [],
  );
  const audit = auditDefinitions(() => services).flatMap((d) =>
    d.trigger === 'eventHub' ? [{ name: d.name, options: d.options }] : [],
  );
  const server = createServer(hostListener({ http: [], eventGrid: functions, eventHub: audit }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks`;
  return { server, url: `${base}/eventgrid`, auditUrl: `${base}/eventhub` };
}

async function deliverAudit(url: string, records: AuditRecord[]): Promise<void> {
  const response = await fetch(`${url}?functionName=keyVaultAuditEvents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ records }]),
  });
  if (response.status !== 200) throw new Error(`audit batch answered ${response.status}: ${await response.text()}`);
}

async function timeStep<T>(into: number[], run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    into.push(performance.now() - started);
  }
}

async function deliver(url: string, event: EventGridEvent): Promise<void> {
  const response = await fetch(`${url}?functionName=${functionNameFor(event)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
    body: JSON.stringify([event]),
  });
  if (response.status !== 200)
    throw new Error(`${event.eventType} answered ${response.status}: ${await response.text()}`);
}

async function cost(double: AzureDouble, tables: TableCounter, run: () => Promise<unknown>): Promise<Cost> {
  double.resetRequests();
  tables.take();
  const started = performance.now();
  await run();
  const wallMs = performance.now() - started;
  const byKind = Object.fromEntries(
    Object.entries(double.requests()).filter(([kind]) => kind.startsWith('keyvault.') || kind.startsWith('arm.')),
  );
  return { wallMs, azure: Object.values(byKind).reduce((a, b) => a + b, 0), byKind, tables: tableStats(tables.take()) };
}

function describeKinds(byKind: Record<string, number>, events: number): string {
  return Object.entries(byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${kind} ${(n / events).toFixed(2)}`)
    .join(', ');
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const ratio = (part: number, whole: number) =>
  `${(part / whole).toFixed(3)} (${part <= whole ? `${(whole / part).toFixed(1)}× cheaper` : `${(part / whole).toFixed(1)}× more`})`;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  },
);

/**
 * npm run bench (last part) — how soon the monitor knows of a change Azure publishes no Event Grid event for, through
 * Key Vault's audit records against the timer scan, and what a record costs, on the benchmark tenant (5 ms added to
 * every Azure request; Azurite).
 *
 * The audit path is modelled: a record reaches the Event Hub `modelledDelayMinutes` after the operation (Microsoft:
 * "at most 10 minutes", usually sooner), then the production keyVaultAuditEvents function handles the batch, which is
 * measured. The timer path waits for the next scan at SCAN_SCHEDULE's default (hourly): half the interval on
 * average, all of it at worst, plus a scan, measured.
 *   disable   the current version of 20 keys is disabled, one at a time; each write's records are one batch;
 *   revoke    20 policy identities lose their role assignment; one round of Power Platform's calls on every policy's
 *             key (a get, a wrap, an unwrap each) is one batch, whose refused calls are the only hint.
 */
import { performance } from 'node:perf_hooks';
import azureFunctions from '@azure/functions';
import { createAuditHandler } from '../functions/auditEvents.js';
import { createServices } from '../shared/composition/index.js';
import type { AuditRecord } from '../sandbox/double/auditLog.js';
import { quick } from './quick.js';
import { latencyMs, startBenchWorld } from './world.js';

// A CommonJS package whose classes Node's ESM loader cannot name: take them from the default export.
const { InvocationContext } = azureFunctions;
const modelledDelayMinutes = 10;
const scanIntervalMinutes = 60;
/** Keys disabled and identities revoked (4 with --quick). */
const sample = quick ? 4 : 20;

async function main(): Promise<void> {
  const world = await startBenchWorld('benchAudit', 8);
  const { double, config, scenario } = world;
  try {
    const services = createServices(config, { ca: double.ca });
    const handler = createAuditHandler(() => services);
    const records: AuditRecord[] = [];
    double.auditLog.onRecord((record) => records.push(record));
    const context = new InvocationContext({ functionName: 'keyVaultAuditEvents', logHandler: () => undefined });
    /** Handles the records written so far as one batch: how long it took, and the Key Vault and ARM requests it made. */
    const handle = async () => {
      const batch = records.splice(0);
      double.resetRequests();
      const started = performance.now();
      await handler([{ records: batch }], context);
      const wallMs = performance.now() - started;
      const azure = Object.entries(double.requests())
        .filter(([kind]) => kind.startsWith('keyvault.') || kind.startsWith('arm.'))
        .reduce((sum, [, n]) => sum + n, 0);
      return { wallMs, azure, records: batch.length };
    };

    console.log('CMK monitor audit-record benchmark');
    console.log(
      `tenant: ${scenario.policies.length} policies, ${scenario.environments.length} environments; +${latencyMs} ms per Azure request`,
    );
    await services.scan(() => undefined);
    const scanStarted = performance.now();
    await services.scan(() => undefined);
    const scanMs = performance.now() - scanStarted;
    records.length = 0;

    const { state } = double;
    const step = Math.max(1, Math.floor(state.policies.length / sample));
    const policies = state.policies.filter((_, i) => i % step === 0).slice(0, sample);
    const statusOf = async (policyName: string) => {
      const environment = state.environments.find((e) => e.policyName === policyName);
      return (await (await services.stores()).statuses.get(environment?.id ?? ''))?.value;
    };

    const disable = [];
    for (const policy of policies) {
      const version = state.requireKeyVersion(policy.vaultName, policy.keyName, undefined).id;
      state.updateKeyVersion(policy.vaultName, policy.keyName, version, { enabled: false });
      disable.push(await handle());
      const status = await statusOf(policy.name);
      if (status?.status !== 'outage') throw new Error(`${policy.name}: ${status?.status} after its key was disabled`);
      state.updateKeyVersion(policy.vaultName, policy.keyName, version, { enabled: true });
      await handle();
    }

    for (const policy of policies) {
      const grant = state.roleAssignments.find((assignment) => assignment.principalId === policy.principalId);
      if (grant) state.deleteRoleAssignment(grant.id);
    }
    records.length = 0;
    double.callPolicyKeys();
    const revoke = await handle();
    const revoked = await Promise.all(policies.map((policy) => statusOf(policy.name)));
    const failing = revoked.filter((status) =>
      status?.findings.some((finding) => finding.rule === 'key-access-failing'),
    ).length;

    const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
    const disableMs = p50(disable.map((run) => run.wallMs));
    const auditWorst = modelledDelayMinutes * 60_000 + Math.max(disableMs, revoke.wallMs);
    const timerAverage = (scanIntervalMinutes / 2) * 60_000 + scanMs;
    const timerWorst = scanIntervalMinutes * 60_000 + scanMs;
    const perRecord = (runs: { azure: number; records: number }[]) =>
      runs.reduce((a, r) => a + r.azure, 0) / runs.reduce((a, r) => a + r.records, 0);

    console.log(
      `\nmodel: records reach the Event Hub ${modelledDelayMinutes} min after the operation (Microsoft's stated maximum); the scan runs every ${scanIntervalMinutes} min`,
    );
    console.log(
      `  disable the current version   batch handled in p50 ${ms(disableMs)} (${policies.length} keys, ${disable[0]?.records ?? 0} record each); outage detected`,
    );
    console.log(
      `  revoke the identity's role    batch of ${revoke.records} records handled in ${ms(revoke.wallMs)}; key-access-failing on ${failing} of ${policies.length} policies`,
    );
    console.log(`  one steady scan               ${ms(scanMs)}`);
    console.log('\ndetection, from the change to the status');
    console.log(`  audit path, at worst           ${minutes(auditWorst)}`);
    console.log(`  timer path, on average / worst ${minutes(timerAverage)} / ${minutes(timerWorst)}`);
    console.log(
      `  audit path against the timer   ${(timerAverage / auditWorst).toFixed(1)}× sooner on average, ${(timerWorst / auditWorst).toFixed(1)}× at worst`,
    );
    console.log('\nKey Vault + ARM requests per audit record');
    console.log(`  disable (a KeyUpdate record)   ${perRecord(disable).toFixed(1)}`);
    console.log(
      `  Power Platform's calls          ${perRecord([revoke]).toFixed(2)} (${revoke.azure} requests for ${revoke.records} records: only the ${policies.length} refused keys are re-read, once each)`,
    );
    if (failing !== policies.length)
      throw new Error(`key-access-failing on ${failing} of the ${policies.length} revoked policies`);
    if (!revoke.azure || disable.some((run) => !run.azure))
      throw new Error('an audit batch made no Key Vault or ARM request: nothing was re-read');
  } finally {
    await world.stop();
  }
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const minutes = (value: number) => `${(value / 60_000).toFixed(1)} min`;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  },
);

/**
 * A tenant to deploy the monitor into, on the Azure double, and the deployment scripts and hooks run against it
 * as child processes, signed in as the double's token identity (the deployer here). `azd` is a stand-in on PATH.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorIdentity } from '../../../sandbox/double/identity.js';
import { startAzureDouble, type AzureDouble } from '../../../sandbox/double/index.js';
import { parseScenario, type Scenario } from '../../../sandbox/scenario.js';

export const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** The monitor's subscription, with the European vault, two of the three policies and an ARM system topic. */
/** Whether PowerShell is on PATH (.ci/run installs it), for the Windows hooks' tests. */
export const hasPwsh = spawnSync('pwsh', ['-NoProfile', '-NonInteractive', '-Command', 'exit 0']).status === 0;
/** The monitor's identity, as the deployment made it (the deployer is another principal: the double's token). */
export const monitor = '3c9e1f2a-7b4d-4e6f-8a1b-2c3d4e5f6a7b';
export const contoso = 'c0a1b2c3-d4e5-4f60-8172-93a4b5c6d7e8';
/** Holds the US vault (access policies) only. */
export const keysUs = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
/** Holds the US policy only. */
export const policiesUs = 'f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f';
export const unknownSubscription = '0d0d0d0d-0d0d-4d0d-8d0d-0d0d0d0d0d0d';

export const roles = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  withoutEventSubscriptions: '5a1e0c7d-2b3f-4a8e-9c6d-7e8f9a0b1c2d',
} as const;

export const euVault = `/subscriptions/${contoso}/resourceGroups/rg-cmk-eu/providers/Microsoft.KeyVault/vaults/kv-eu-prod`;
export const usVault = `/subscriptions/${keysUs}/resourceGroups/rg-cmk-us/providers/Microsoft.KeyVault/vaults/kv-us-hr`;
export const euVaultTopic = `/subscriptions/${contoso}/resourceGroups/rg-cmk-eu/providers/Microsoft.EventGrid/systemTopics/kv-eu-prod-events`;
export const contosoTopic = `/subscriptions/${contoso}/resourceGroups/rg-events/providers/Microsoft.EventGrid/systemTopics/contoso-arm`;

const policyPrincipal = '6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a';
const vault = (name: string, resourceGroup: string, extra: object) => ({
  name,
  resourceGroup,
  softDelete: true,
  purgeProtection: true,
  rbac: true,
  publicNetworkAccess: 'Enabled',
  networkDefaultAction: 'Allow',
  trustedServicesBypass: true,
  keys: [
    { name: 'pp-key', kty: 'RSA', size: 3072, versions: [{ enabled: true, createdDaysAgo: 10, expiresInDays: 355 }] },
  ],
  ...extra,
});
const policy = (name: string, vaultName: string, extra: object = {}) => ({
  name,
  resourceGroup: 'rg-power-platform',
  location: 'europe',
  vault: vaultName,
  key: 'pp-key',
  principalId: policyPrincipal,
  ...extra,
});

export const scenario = parseScenario({
  subscriptionId: contoso,
  vaults: [
    vault('kv-eu-prod', 'rg-cmk-eu', { systemTopic: 'kv-eu-prod-events' }),
    vault('kv-us-hr', 'rg-cmk-us', { subscriptionId: keysUs, rbac: false }),
    vault('kv-spare', 'rg-cmk-eu', {}),
  ],
  policies: [
    policy('cmk-eu-prod', 'kv-eu-prod'),
    policy('cmk-eu-test', 'KV-EU-PROD'),
    policy('cmk-us', 'kv-us-hr', { subscriptionId: policiesUs, location: 'unitedstates' }),
  ],
  otherPolicies: [
    { name: 'vnet-eu', resourceGroup: 'rg-power-platform', location: 'europe', kind: 'NetworkInjection' },
  ],
  subscriptionTopics: [{ name: 'contoso-arm', resourceGroup: 'rg-events' }],
  roleDefinitions: [
    {
      id: roles.withoutEventSubscriptions,
      roleName: 'CMK deployer without Event Grid subscriptions',
      actions: ['*'],
      notActions: ['Microsoft.EventGrid/systemTopics/eventSubscriptions/write'],
    },
  ],
});

/** What `npm run infra:vaults` should find in this tenant. */
export const expectedVaults = {
  MONITORED_VAULTS: [
    { id: usVault, location: 'eastus', rbac: false, systemTopicId: '' },
    { id: euVault, location: 'westeurope', rbac: true, systemTopicId: euVaultTopic },
  ],
  VAULT_SUBSCRIPTIONS: [
    { subscriptionId: keysUs, systemTopicId: '' },
    { subscriptionId: contoso, systemTopicId: contosoTopic },
  ],
};

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The stand-in for azd: its environment is one file per value in AZD_ENV_DIR; `provision` runs the preprovision
 * hook (AZD_PREPROVISION) with that environment, as azd does, and stops there.
 */
const fakeAzd = `#!/bin/sh
case "$1 $2" in
  'env set') printf '%s' "$4" > "$AZD_ENV_DIR/$3" ;;
  'env get-value') cat "$AZD_ENV_DIR/$3" 2>/dev/null || { echo "ERROR: key '$3' not found in the environment values" >&2; exit 1; } ;;
  'provision --no-prompt')
    for file in "$AZD_ENV_DIR"/*; do [ -f "$file" ] && export "$(basename "$file")=$(cat "$file")"; done
    exec $AZD_PREPROVISION ;;
  *) echo "azd stand-in: unexpected arguments: $*" >&2; exit 2 ;;
esac
`;

export interface DeployTenant {
  double: AzureDouble;
  /** Removes every role of the deployer and gives it this one on each subscription of the tenant. */
  deployerHolds(roleDefinitionId: string): void;
  /** A fresh azd environment holding these values. */
  azdEnvironment(values: Record<string, string>): Promise<void>;
  azdValues(): Promise<Record<string, string>>;
  /** Runs an infra script as `npm run` does, with the azd environment's values as its environment. */
  script(name: 'policyVaults' | 'checkRights' | 'teardown', env: Record<string, string>, args?: string[]): Promise<Run>;
  /** Runs a hook with a shell (`sh` or `pwsh`), as azd does: the azd environment's values are its environment. */
  hook(
    shell: 'sh' | 'pwsh',
    name: 'preprovision' | 'postdeploy' | 'predown',
    env: Record<string, string>,
  ): Promise<Run>;
  stop(): Promise<void>;
}

/** The tenant above, or another seed. */
export async function startDeployTenant(seed: Scenario = scenario): Promise<DeployTenant> {
  const double = await startAzureDouble({ scenario: seed, pageSize: 2 });
  const dir = await mkdtemp(join(tmpdir(), 'cmk-deploy-'));
  const bin = join(dir, 'bin');
  const azdEnvDir = join(dir, 'azd-env');
  await Promise.all([mkdir(bin), mkdir(azdEnvDir)]);
  await writeFile(join(bin, 'azd'), fakeAzd);
  await chmod(join(bin, 'azd'), 0o755);
  await writeFile(join(dir, 'ca.pem'), double.ca);

  const baseEnv = {
    PATH: [bin, process.env.PATH ?? ''].join(delimiter),
    HOME: process.env.HOME ?? dir,
    NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    IDENTITY_ENDPOINT: double.identityEndpoint,
    IDENTITY_HEADER: double.identityHeader,
    ARM_ENDPOINT: double.armEndpoint,
    AZD_ENV_DIR: azdEnvDir,
    POWERSHELL_TELEMETRY_OPTOUT: '1',
  };
  const run = (file: string, args: string[], env: Record<string, string>) =>
    new Promise<Run>((done) => {
      execFile(file, args, { cwd: root, env: { ...baseEnv, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      });
    });
  const preprovision = {
    sh: 'sh infra/hooks/preprovision.sh',
    pwsh: 'pwsh -NoProfile -NonInteractive -File infra/hooks/preprovision.ps1',
  };

  return {
    double,
    deployerHolds(roleDefinitionId) {
      const deployer = monitorIdentity.principalId;
      for (const assignment of double.state.roleAssignments.filter((a) => a.principalId === deployer))
        double.state.deleteRoleAssignment(assignment.id);
      for (const subscriptionId of [contoso, keysUs, policiesUs]) {
        double.state.putRoleAssignment({
          scope: `/subscriptions/${subscriptionId}`,
          roleDefinitionId,
          principalId: deployer,
          principalType: 'User',
        });
      }
    },
    async azdEnvironment(values) {
      for (const file of await readdir(azdEnvDir)) await rm(join(azdEnvDir, file));
      for (const [name, value] of Object.entries(values)) await writeFile(join(azdEnvDir, name), value);
    },
    async azdValues() {
      const files = await readdir(azdEnvDir);
      return Object.fromEntries(
        await Promise.all(files.map(async (file) => [file, await readFile(join(azdEnvDir, file), 'utf8')] as const)),
      );
    },
    script: (name, env, args = []) =>
      run(process.execPath, ['--import', 'tsx', `infra/scripts/${name}.ts`, ...args], env),
    hook: (shell, name, env) =>
      shell === 'sh'
        ? run('sh', [`infra/hooks/${name}.sh`], { ...env, AZD_PREPROVISION: preprovision.sh })
        : run('pwsh', ['-NoProfile', '-NonInteractive', '-File', `infra/hooks/${name}.ps1`], {
            ...env,
            AZD_PREPROVISION: preprovision.pwsh,
          }),
    async stop() {
      await double.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The two lines `infra:vaults` prints, parsed. */
export function printedValues(stdout: string): Record<string, unknown> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), JSON.parse(line.slice(at + 1)) as unknown];
      }),
  );
}

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../../../shared/domain/model.js';
import { ruleDefinitions, ruleIds } from '../../../shared/domain/rules/index.js';
import {
  chainFactsOf,
  runbookOf,
  type ChainFacts,
  type RunbookContext,
  type RunbookStep,
} from '../../../shared/domain/runbooks.js';
import { posixQuote, powerShellQuote } from '../../../shared/domain/runbooks/quoting.js';
import {
  blind,
  chainOf,
  DAY,
  fromNow,
  keyOf,
  KEY_NAME,
  policyOf,
  previousVersion,
  PRINCIPAL_ID,
  VAULT_ID,
  versionOf,
} from './builders.js';

const ENVIRONMENT_ID = '00000000-0000-4000-8000-000000000001';
const facts = chainFactsOf(chainOf());
const context: RunbookContext = { environmentId: ENVIRONMENT_ID, chain: facts };
const environmentPage = `https://admin.powerplatform.microsoft.com/environments/environment/${ENVIRONMENT_ID}/hub`;
const vaultPage = (menu: string) => `https://portal.azure.com/#resource${VAULT_ID}/${menu}`;

const stepsOf = (rule: (typeof ruleIds)[number], severity: Severity = 'critical', ctx = context) =>
  runbookOf({ rule, severity }, ctx).steps;
const commandsOf = (steps: RunbookStep[], shell: 'azure-cli' | 'powershell') =>
  steps
    .flatMap((step) => step.commands ?? [])
    .filter((command) => command.shell === shell)
    .map((command) => command.text);
const isReEnable = (step: RunbookStep | undefined) =>
  step?.link?.url === environmentPage && /Re-enable environment/.test(step.text);

describe('runbookOf', () => {
  it('gives every rule at least one step, with and without its chain', () => {
    for (const rule of ruleIds) {
      for (const severity of ['info', 'warning', 'critical', 'outage'] as const) {
        expect(stepsOf(rule, severity).length, `${rule} ${severity}`).toBeGreaterThan(0);
        expect(
          stepsOf(rule, severity, { environmentId: ENVIRONMENT_ID, chain: null }).length,
          `${rule} ${severity} without chain`,
        ).toBeGreaterThan(0);
      }
    }
  });

  it('ends every outage with re-enabling the environment in the admin center, once', () => {
    for (const rule of ruleIds) {
      const steps = stepsOf(rule, 'outage');
      expect(isReEnable(steps.at(-1)), rule).toBe(true);
      expect(steps.filter(isReEnable), rule).toHaveLength(1);
    }
  });

  it('re-enables only after an outage', () => {
    expect(stepsOf('key-expiring', 'critical').some(isReEnable)).toBe(false);
    expect(stepsOf('policy-unhealthy', 'warning').some(isReEnable)).toBe(false);
  });

  it('covers each rule whose findings are outages by definition', () => {
    const outageRules = ruleDefinitions
      .filter((rule) => 'severity' in rule && rule.severity === 'outage')
      .map((rule) => rule.id);
    expect(outageRules).toEqual(
      expect.arrayContaining(['key-expired', 'key-disabled', 'access-revoked', 'vault-network-blocked']),
    );
    for (const rule of outageRules) expect(isReEnable(stepsOf(rule, 'outage').at(-1)), rule).toBe(true);
  });

  it('links the re-enable step to the environment and names the policy', () => {
    const [reEnable] = stepsOf('environment-still-disabled', 'outage');
    expect(reEnable?.link).toEqual({
      label: 'The environment in the Power Platform admin center',
      url: environmentPage,
    });
    expect(reEnable?.text).toContain("every other environment of policy 'ep-contoso'");
    expect(reEnable?.commands).toBeUndefined();
  });

  it('re-enables the disabled key version, on its Keys page and from both shells', () => {
    const [enable] = stepsOf('key-disabled', 'outage');
    expect(enable?.link?.url).toBe(vaultPage('keys'));
    expect(enable?.commands).toEqual([
      {
        shell: 'azure-cli',
        text: "az keyvault key set-attributes --vault-name 'kv-contoso' --name 'cmk-key' --version 'v2' --enabled true",
      },
      {
        shell: 'powershell',
        text: "Update-AzKeyVaultKey -VaultName 'kv-contoso' -Name 'cmk-key' -Version 'v2' -Enable $true",
      },
    ]);
  });

  it('enables the version before the rotation for a previous version disabled early', () => {
    expect(commandsOf(stepsOf('previous-version-disabled-early'), 'azure-cli')).toEqual([
      `az keyvault key set-attributes --vault-name 'kv-contoso' --name 'cmk-key' --version '${previousVersion.version}' --enabled true`,
    ]);
  });

  it('recovers a deleted vault in its subscription and a deleted key by name', () => {
    expect(commandsOf(stepsOf('key-missing', 'outage'), 'azure-cli')).toEqual([
      "az keyvault recover --subscription '00000000-0000-0000-0000-000000000001' --name 'kv-contoso'",
      "az keyvault key recover --vault-name 'kv-contoso' --name 'cmk-key'",
    ]);
  });

  it('grants the role on an RBAC vault, an access policy on an access-policy vault, and offers both when not known', () => {
    const rbac = stepsOf('access-revoked', 'outage');
    expect(rbac[0]?.link?.url).toBe(vaultPage('users'));
    expect(commandsOf(rbac, 'azure-cli')).toEqual([
      `az role assignment create --assignee-object-id '${PRINCIPAL_ID}' --assignee-principal-type ServicePrincipal --role 'Key Vault Crypto Service Encryption User' --scope '${VAULT_ID}'`,
    ]);
    const accessPolicies = stepsOf('access-revoked', 'outage', {
      environmentId: ENVIRONMENT_ID,
      chain: { ...facts, permissionModel: 'accessPolicies' },
    });
    expect(accessPolicies[0]?.link?.url).toBe(vaultPage('access_policies'));
    expect(commandsOf(accessPolicies, 'powershell')).toEqual([
      `Set-AzKeyVaultAccessPolicy -SubscriptionId '00000000-0000-0000-0000-000000000001' -ResourceGroupName 'rg-cmk' -VaultName 'kv-contoso' -ObjectId '${PRINCIPAL_ID}' -PermissionsToKeys get,wrapKey,unwrapKey`,
    ]);
    const unknown = stepsOf('access-revoked', 'outage', {
      environmentId: ENVIRONMENT_ID,
      chain: { ...facts, permissionModel: null },
    });
    expect(unknown.map((step) => step.link?.url)).toEqual([
      vaultPage('users'),
      vaultPage('access_policies'),
      environmentPage,
    ]);
  });

  it('opens the vault to trusted services for a closed firewall', () => {
    const [network] = stepsOf('vault-network-blocked', 'outage');
    expect(network?.link?.url).toBe(vaultPage('networking'));
    expect(network?.commands?.map((command) => command.text)).toEqual([
      "az keyvault update --subscription '00000000-0000-0000-0000-000000000001' --resource-group 'rg-cmk' --name 'kv-contoso' --bypass AzureServices",
      "Update-AzKeyVaultNetworkRuleSet -SubscriptionId '00000000-0000-0000-0000-000000000001' -ResourceGroupName 'rg-cmk' -VaultName 'kv-contoso' -Bypass AzureServices",
    ]);
  });

  it('names a Managed HSM as one, and gives no Key Vault grant for it', () => {
    const hsmId = VAULT_ID.replace('vaults/kv-contoso', 'managedHSMs/hsm-contoso');
    const hsm: ChainFacts = {
      ...facts,
      vaultId: hsmId,
      vaultName: 'hsm-contoso',
      vaultType: 'managedHsm',
      permissionModel: null,
    };
    const ctx = { environmentId: ENVIRONMENT_ID, chain: hsm };
    expect(commandsOf(stepsOf('key-disabled', 'outage', ctx), 'azure-cli')).toEqual([
      "az keyvault key set-attributes --hsm-name 'hsm-contoso' --name 'cmk-key' --version 'v2' --enabled true",
    ]);
    const [grant] = stepsOf('key-access-failing', 'outage', ctx).slice(1);
    expect(grant?.text).toContain("Managed HSM 'hsm-contoso''s local RBAC");
    expect(grant?.commands).toBeUndefined();
    expect(grant?.link?.url).toBe(`https://portal.azure.com/#resource${hsmId}/overview`);
  });

  it('has no Azure link or command without the chain, and still links the environment', () => {
    const steps = stepsOf('key-access-failing', 'outage', { environmentId: ENVIRONMENT_ID, chain: null });
    expect(steps.flatMap((step) => step.commands ?? [])).toEqual([]);
    expect(steps.flatMap((step) => (step.link ? [step.link.url] : []))).toEqual([environmentPage]);
  });

  it('does not point the restore of a left chain at the environment’s current one', () => {
    const steps = stepsOf('unlinked-chain-broken');
    expect(steps.flatMap((step) => [step.link, ...(step.commands ?? [])]).filter(Boolean)).toEqual([]);
  });
});

describe('runbook links', () => {
  // An ARM name has no slash, so a resource id's segments are its names; an environment id is one segment.
  const hostile = 'b?c#d e&f%\'()"<x>[y]';
  const hostileEnvironmentId = `a/${hostile}`;
  const hostileChain: ChainFacts = {
    ...facts,
    vaultId: `/subscriptions/s/resourceGroups/${hostile}/providers/Microsoft.KeyVault/vaults/kv-contoso`,
    policyId: `/subscriptions/s/resourceGroups/${hostile}/providers/Microsoft.PowerPlatform/enterprisePolicies/ep`,
  };
  const urls = stepsOf('policy-unhealthy', 'outage', {
    environmentId: hostileEnvironmentId,
    chain: hostileChain,
  }).flatMap((step) => (step.link ? [step.link.url] : []));

  it('percent-encodes every value, so none ends its segment, adds a query or a fragment, or breaks markup', () => {
    expect(urls).toHaveLength(5);
    for (const url of urls) {
      expect(url).toMatch(/^https:\/\/[a-z.]+\/[A-Za-z0-9\-._~%/#]*$/);
      expect(url.split('#').length).toBeLessThanOrEqual(2);
      expect(new URL(url).search).toBe('');
    }
  });

  it('reads back each value from its own segment', () => {
    const [policyPage = '', ...rest] = urls;
    expect(new URL(policyPage).hash.split('/').map(decodeURIComponent)).toEqual([
      '#resource',
      'subscriptions',
      's',
      'resourceGroups',
      hostile,
      'providers',
      'Microsoft.PowerPlatform',
      'enterprisePolicies',
      'ep',
      'overview',
    ]);
    const environmentPage = rest.at(-1) ?? '';
    expect(new URL(environmentPage).pathname.split('/').map(decodeURIComponent)).toEqual([
      '',
      'environments',
      'environment',
      hostileEnvironmentId,
      'hub',
    ]);
  });
});

describe('runbook commands', () => {
  const hostileNames = [
    "k'; exit 3; echo '",
    'k$(id)`id`"; $env:X; ${x}',
    'k\u2019; Remove-Item -Recurse C:\\ ; \u2018',
    "k\u2018\u2019\u201A\u201B''",
    'line\nbreak --enabled false',
  ];

  it('quotes a hostile key name so the shell reads it back whole, as one argument (POSIX)', () => {
    for (const keyName of hostileNames) {
      const [command] = commandsOf(
        stepsOf('key-disabled', 'outage', { environmentId: ENVIRONMENT_ID, chain: { ...facts, keyName } }),
        'azure-cli',
      );
      const script = `az() { printf '%s\\0' "$@"; }\n${command}`;
      const argv = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
      expect(argv).toEqual([
        'keyvault',
        'key',
        'set-attributes',
        '--vault-name',
        'kv-contoso',
        '--name',
        keyName,
        '--version',
        'v2',
        '--enabled',
        'true',
      ]);
    }
  });

  it('quotes a hostile key name as one PowerShell verbatim string, typographic quotes included', () => {
    // PowerShell's verbatim string: any of ' ‘ ’ ‚ ‛ ends it unless doubled (about_Quoting_Rules).
    const verbatim = /'((?:[^'\u2018-\u201B]|['\u2018-\u201B]{2})*)'/g;
    for (const keyName of hostileNames) {
      const [command = ''] = commandsOf(
        stepsOf('key-disabled', 'outage', { environmentId: ENVIRONMENT_ID, chain: { ...facts, keyName } }),
        'powershell',
      );
      const literals = [...command.replace(/^Update-AzKeyVaultKey /, '').matchAll(verbatim)];
      expect(command.replace(verbatim, 'X')).toBe('Update-AzKeyVaultKey -VaultName X -Name X -Version X -Enable $true');
      expect(literals[1]?.[1]?.replace(/(['\u2018-\u201B])\1/g, '$1')).toBe(keyName);
    }
  });

  it('quotes for each shell by its own rules', () => {
    expect(posixQuote("it's")).toBe(`'it'\\''s'`);
    expect(powerShellQuote('it\u2019s')).toBe(`'it\u2019\u2019s'`);
    expect(powerShellQuote("it's $x")).toBe(`'it''s $x'`);
  });
});

describe('chainFactsOf', () => {
  it('takes the names, the version in use, the one before it and the permission model from the chain', () => {
    expect(facts).toEqual({
      policyId: policyOf().id,
      policyName: 'ep-contoso',
      principalId: PRINCIPAL_ID,
      vaultId: VAULT_ID,
      vaultName: 'kv-contoso',
      vaultType: 'vault',
      permissionModel: 'rbac',
      keyName: KEY_NAME,
      keyVersion: 'v2',
      previousKeyVersion: 'v1',
    });
    expect(chainFactsOf(chainOf({ vault: { rbac: false } })).permissionModel).toBe('accessPolicies');
  });

  it('falls back on what the policy names when the vault or key was not read', () => {
    const unread = chainFactsOf(chainOf({ policy: { keyVersion: 'pinned' }, vault: blind(), key: blind() }));
    expect(unread).toMatchObject({
      vaultName: 'kv-contoso',
      vaultType: 'vault',
      permissionModel: null,
      keyVersion: 'pinned',
      previousKeyVersion: null,
    });
  });

  it('has no previous version when none was created before the one in use', () => {
    const single = keyOf({ versions: [versionOf({ createdOn: fromNow(-DAY) })] });
    expect(chainFactsOf(chainOf({ key: { kind: 'found', value: single } })).previousKeyVersion).toBeNull();
  });
});

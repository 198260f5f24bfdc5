/**
 * What `npm run doctor` checks: every read the monitor makes, as the identity it runs as, each failure named with
 * the right it lacks (role, scope, the command that grants it) or the field a response lacked, so an admin learns
 * before the first scan whether the monitor would be blind to anything.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { ServiceClientOptions } from '@azure/core-client';
import { listEncryptionPolicies, type ListedPolicy } from '../../shared/adapters/azure/inventory/armPolicies.js';
import { AzureRestReader } from '../../shared/adapters/azure/inventory/azureRest.js';
import {
  environmentListPath,
  environmentListQuery,
  listEnvironments,
} from '../../shared/adapters/azure/inventory/powerPlatformEnvironments.js';
import { AccessReader, authorizationClients } from '../../shared/adapters/azure/truth/accessReader.js';
import { ArmKeyReader } from '../../shared/adapters/azure/truth/armKeyReader.js';
import { VaultReader } from '../../shared/adapters/azure/truth/vaultReader.js';
import type { Readout } from '../../shared/domain/model.js';
import { nameOf } from '../../shared/domain/resourceIds.js';

export interface DiagnoseOptions {
  credential: TokenCredential;
  pipeline: ServiceClientOptions & { tlsOptions?: { ca: string } };
  armEndpoint: string;
  powerPlatformEndpoint: string;
  subscriptionIds: string[];
}

/** Something that would leave the monitor blind: a right it lacks, or a field a response did not carry. */
export interface Problem {
  kind: 'right' | 'field' | 'read';
  /** One line: what failed, and what to do. */
  text: string;
}

export interface Diagnosis {
  /** The object id the tokens were issued to, when the token says. */
  principalId: string | null;
  lines: string[];
  problems: Problem[];
}

const powerPlatformScope = 'https://service.powerapps.com/.default';

export async function diagnose(options: DiagnoseOptions): Promise<Diagnosis> {
  const { credential, pipeline, armEndpoint } = options;
  const principalId = await principalOf(credential, `${armEndpoint}/.default`);
  const assignee = principalId ?? '<object id of the monitor>';
  const lines: string[] = [];
  const problems: Problem[] = [];
  const arm = new AzureRestReader(credential, `${armEndpoint}/.default`, pipeline);

  const policies: ListedPolicy[] = [];
  for (const subscriptionId of options.subscriptionIds) {
    const scope = `/subscriptions/${subscriptionId}`;
    try {
      const page = await listEncryptionPolicies(arm, armEndpoint, subscriptionId);
      policies.push(...page.policies);
      lines.push(
        `Subscription ${subscriptionId}: ${page.policies.length} encryption ${page.policies.length === 1 ? 'policy' : 'policies'}`,
      );
      for (const skipped of page.skipped) {
        problems.push({
          kind: 'field',
          text: `GET ${scope}/providers/Microsoft.PowerPlatform/enterprisePolicies: ${skipped.source}: ${skipped.reason}`,
        });
      }
    } catch (error) {
      problems.push(
        refusal(
          error,
          `GET ${scope}/providers/Microsoft.PowerPlatform/enterprisePolicies`,
          `Reader on ${scope}`,
          armGrant(assignee, 'Reader', scope),
        ),
      );
    }
  }

  const linked = await environments(options, policies, lines, problems, principalId);
  for (const policy of policies)
    lines.push(
      `  policy ${policy.name}: vault ${nameOf(policy.vaultId)}, key ${policy.keyName}, ${count(linked.get(policy.id.toLowerCase()) ?? 0, 'linked environment')}`,
    );

  const vaults = new VaultReader(credential, { ...pipeline, endpoint: armEndpoint });
  const keys = new ArmKeyReader(credential, { ...pipeline, endpoint: armEndpoint });
  const access = new AccessReader(authorizationClients(credential, { ...pipeline, endpoint: armEndpoint }));
  const byVault = new Map<string, ListedPolicy[]>();
  for (const policy of policies)
    byVault.set(policy.vaultId.toLowerCase(), [...(byVault.get(policy.vaultId.toLowerCase()) ?? []), policy]);
  for (const [, vaultPolicies] of byVault) {
    const vaultId = vaultPolicies[0]?.vaultId ?? '';
    const reader = `Reader on ${vaultId}`;
    const vault = await vaults.read(vaultId);
    // Gone is what the monitor must see, not blindness: the scan reports it (key-missing) like any broken chain.
    if (vault.kind === 'missing') {
      lines.push(`Vault ${nameOf(vaultId)}: not found (the scan reports key-missing)`);
      continue;
    }
    if (vault.kind !== 'found') {
      problems.push(readoutProblem(vault, `GET ${vaultId}`, reader, armGrant(assignee, 'Reader', vaultId)));
      continue;
    }
    const parts = [
      `Vault ${vault.value.name}: ${vault.value.rbac ? 'Azure RBAC' : vault.value.type === 'managedHsm' ? 'Managed HSM' : 'access policies'}`,
    ];
    for (const keyName of new Set(vaultPolicies.map((policy) => policy.keyName))) {
      const key = await keys.read(vault.value, keyName, null);
      if (key.kind === 'found') parts.push(`key ${keyName} (${count(key.value.versions.length, 'version')})`);
      else if (key.kind === 'missing') parts.push(`key ${keyName} not found (the scan reports key-missing)`);
      else
        problems.push(
          readoutProblem(key, `GET ${vaultId}/keys/${keyName}`, reader, armGrant(assignee, 'Reader', vaultId)),
        );
    }
    if (vault.value.rbac) {
      const grants = await access.read(vault.value, vaultPolicies[0]?.principalId ?? '');
      if (grants.kind === 'found') parts.push('role assignments read');
      else
        problems.push(
          readoutProblem(
            grants,
            `GET ${vaultId}/providers/Microsoft.Authorization/roleAssignments`,
            reader,
            armGrant(assignee, 'Reader', vaultId),
          ),
        );
    }
    lines.push(parts.join(', '));
  }
  return { principalId, lines, problems };
}

async function environments(
  options: DiagnoseOptions,
  policies: ListedPolicy[],
  lines: string[],
  problems: Problem[],
  principalId: string | null,
) {
  const { credential, pipeline, powerPlatformEndpoint } = options;
  const linked = new Map<string, number>();
  const byId = new Map(
    policies.flatMap(
      (policy) =>
        [
          [policy.id.toLowerCase(), policy.id.toLowerCase()],
          ...(policy.systemId ? [[policy.systemId.toLowerCase(), policy.id.toLowerCase()]] : []),
        ] as [string, string][],
    ),
  );
  const call = `GET ${powerPlatformEndpoint}${environmentListPath}?${environmentListQuery}`;
  let count = 0;
  try {
    for await (const page of listEnvironments(
      new AzureRestReader(credential, powerPlatformScope, pipeline),
      powerPlatformEndpoint,
    )) {
      count += page.environments.length;
      for (const skipped of page.skipped)
        problems.push({ kind: 'field', text: `${call}: ${skipped.source}: ${skipped.reason}` });
      for (const { link } of page.environments) {
        const policyId =
          (link?.policyId && byId.get(link.policyId.toLowerCase())) ||
          (link?.systemId && byId.get(link.systemId.toLowerCase()));
        if (policyId) linked.set(policyId, (linked.get(policyId) ?? 0) + 1);
      }
    }
  } catch (error) {
    const application = principalId ? `the application of ${principalId}` : "the monitor's application";
    problems.push(
      refusal(
        error,
        call,
        'registration as a Power Platform management application (it gives tenant-admin rights in Power Platform)',
        `New-PowerAppManagementApp -ApplicationId <client id of ${application}> (Microsoft.PowerApps.Administration.PowerShell)`,
      ),
    );
    return linked;
  }
  const total = [...linked.values()].reduce((sum, n) => sum + n, 0);
  lines.push(`Power Platform admin API: ${count} environments, ${total} linked to a listed encryption policy`);
  if (policies.length > 0 && total === 0) {
    problems.push({
      kind: 'field',
      text: `${call}: no environment carries properties.enterprisePolicies.customerManagedKeys for any of the ${policies.length} encryption policies: the monitor would see nothing to watch`,
    });
  }
  return linked;
}

function refusal(error: unknown, call: string, right: string, grant: string): Problem {
  const status = (error as { statusCode?: number } | null)?.statusCode;
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  if (status === 401 || status === 403)
    return { kind: 'right', text: `${call} answered ${status}: missing ${right}. Grant it: ${grant}` };
  return { kind: 'read', text: `${call} failed: ${message}` };
}

function readoutProblem(
  readout: Exclude<Readout<unknown>, { kind: 'found' }>,
  call: string,
  right: string,
  grant: string,
): Problem {
  if (readout.kind === 'blind' && /\(HTTP 40[13]\)/.test(readout.detail))
    return { kind: 'right', text: `${call}: ${readout.detail}: missing ${right}. Grant it: ${grant}` };
  return { kind: 'read', text: `${call}: ${readout.detail}` };
}

function armGrant(assignee: string, role: string, scope: string): string {
  return `az role assignment create --assignee-object-id ${assignee} --assignee-principal-type ServicePrincipal --role "${role}" --scope ${scope}`;
}

/** The `oid` claim of a token for `scope`, or null when the token is not a readable JWT. */
async function principalOf(credential: TokenCredential, scope: string): Promise<string | null> {
  try {
    const token = await credential.getToken(scope);
    const payload = token?.token.split('.')[1];
    const oid = payload
      ? (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { oid?: unknown }).oid
      : undefined;
    return typeof oid === 'string' ? oid : null;
  } catch {
    return null;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

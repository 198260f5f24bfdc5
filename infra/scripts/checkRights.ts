/**
 * `npm run infra:check-rights`: before anything is deployed, asks ARM what the signed-in deployer may do at every
 * scope the template writes to, and stops with one message listing each missing right, its scope and its use.
 * Reads MONITORED_VAULTS, VAULT_SUBSCRIPTIONS, POLICY_SUBSCRIPTION_IDS, AZURE_SUBSCRIPTION_ID, AZURE_LOCATION, WIRE_EVENTS,
 * DATA_PLANE_KEY_READS, AUDIT_LOGS, MAIL_TRANSPORT and SMTP_VAULT_ID.
 */
import { z } from 'zod';
import type { AzureRestReader } from '../../shared/adapters/azure/inventory/azureRest.js';
import { parseKeyVaultId } from '../../shared/domain/resourceIds.js';
import {
  armEndpoint,
  armReader,
  failure,
  jsonSetting,
  monitoredVault,
  readSettings,
  run,
  subscriptionId,
  subscriptionIds,
  vaultSubscription,
} from './deployInputs.js';
import { isGranted, requiredRights, type Permission, type RequiredRight } from './rights.js';

const permissionsApiVersion = '2022-04-01';
const script = 'infra:check-rights';

const flag = z
  .string()
  .trim()
  .pipe(z.enum(['true', 'false', ''], { message: "must be 'true' or 'false'" }))
  .optional()
  .transform((value) => value === 'true');

const settings = z
  .object({
    AZURE_SUBSCRIPTION_ID: z
      .string({ message: "is not set: it names the monitor's subscription (azd env set AZURE_SUBSCRIPTION_ID <id>)" })
      .pipe(subscriptionId),
    POLICY_SUBSCRIPTION_IDS: subscriptionIds,
    MONITORED_VAULTS: jsonSetting(z.array(monitoredVault)),
    VAULT_SUBSCRIPTIONS: jsonSetting(z.array(vaultSubscription)),
    WIRE_EVENTS: flag,
    DATA_PLANE_KEY_READS: flag,
    AUDIT_LOGS: flag,
    AZURE_LOCATION: z.string().trim().default(''),
    MAIL_TRANSPORT: z
      .string()
      .trim()
      .transform((value) => value || 'acs')
      .pipe(z.enum(['acs', 'smtp', 'none'], { message: "must be 'acs', 'smtp' or 'none'" }))
      .default('acs'),
    SMTP_VAULT_ID: z
      .string()
      .trim()
      .refine((value) => !value || parseKeyVaultId(value), 'must be the resource id of a Key Vault')
      .optional(),
    ARM_ENDPOINT: armEndpoint,
  })
  .superRefine(({ MONITORED_VAULTS: vaults, VAULT_SUBSCRIPTIONS: subscriptions }, ctx) => {
    const subscriptionOf = (id: string) => parseKeyVaultId(id)?.subscriptionId.toLowerCase();
    vaults.forEach((vault, index) => {
      if (!subscriptions.some((entry) => entry.subscriptionId.toLowerCase() === subscriptionOf(vault.id))) {
        ctx.addIssue({
          code: 'custom',
          path: ['MONITORED_VAULTS', index, 'id'],
          message: 'its subscription is missing from VAULT_SUBSCRIPTIONS',
        });
      }
    });
    subscriptions.forEach((entry, index) => {
      if (!vaults.some((vault) => subscriptionOf(vault.id) === entry.subscriptionId.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['VAULT_SUBSCRIPTIONS', index, 'subscriptionId'],
          message: 'holds none of MONITORED_VAULTS',
        });
      }
    });
  });

const permissionList = z.object({
  actions: z
    .array(z.string())
    .nullish()
    .transform((value) => value ?? []),
  notActions: z
    .array(z.string())
    .nullish()
    .transform((value) => value ?? []),
});

await run(script, async () => {
  const input = readSettings(settings, process.env);
  const rights = requiredRights({
    appSubscriptionId: input.AZURE_SUBSCRIPTION_ID,
    policySubscriptionIds: input.POLICY_SUBSCRIPTION_IDS,
    vaults: input.MONITORED_VAULTS,
    vaultSubscriptions: input.VAULT_SUBSCRIPTIONS,
    wireEvents: input.WIRE_EVENTS,
    dataPlaneKeyReads: input.DATA_PLANE_KEY_READS,
    mail: input.MAIL_TRANSPORT,
    smtpVaultId: input.SMTP_VAULT_ID || null,
    auditLogs: input.AUDIT_LOGS,
    location: input.AZURE_LOCATION,
  });
  const { arm } = armReader(input.ARM_ENDPOINT);
  const scopes = [...new Map(rights.map((right) => [right.scope.toLowerCase(), right.scope])).values()];
  const permissions = new Map(
    await Promise.all(
      scopes.map(async (scope) => [scope.toLowerCase(), await permissionsAt(arm, input.ARM_ENDPOINT, scope)] as const),
    ),
  );

  const problems: string[] = [];
  for (const scope of scopes) {
    const granted = permissions.get(scope.toLowerCase());
    const missing = rights.filter(
      (right) =>
        right.scope.toLowerCase() === scope.toLowerCase() &&
        !(Array.isArray(granted) && isGranted(granted, right.action)),
    );
    if (typeof granted === 'string')
      problems.push(
        `  ${scope}: your permissions there could not be read (${granted}); needed:`,
        ...missing.map(describe),
      );
    else if (missing.length > 0) problems.push(`  ${scope}`, ...missing.map(describe));
  }
  if (problems.length > 0) {
    const count = problems.filter((line) => line.startsWith('    ')).length;
    const lacks = [...permissions.values()].some((granted) => typeof granted === 'string')
      ? 'lacks, or ARM would not confirm,'
      : 'lacks';
    throw new Error(
      [
        `the signed-in account ${lacks} ${count} right${count === 1 ? '' : 's'} the deployment needs; nothing was deployed.`,
        ...problems,
        'An Owner of each scope has them all; so has a Contributor who is also User Access Administrator there.',
        'Ask for them, then run azd provision again.',
      ].join('\n'),
    );
  }
  process.stdout.write(
    `${script}: the signed-in account has the ${rights.length} rights the deployment needs at ${scopes.length} scopes.\n`,
  );
});

/** ARM's permission entries for the caller at the scope, or why they could not be read. */
async function permissionsAt(arm: AzureRestReader, endpoint: string, scope: string): Promise<Permission[] | string> {
  try {
    const entries: Permission[] = [];
    for await (const item of arm.list(
      `${endpoint}${scope}/providers/Microsoft.Authorization/permissions?api-version=${permissionsApiVersion}`,
    )) {
      const parsed = permissionList.safeParse(item);
      if (!parsed.success) return `an entry of an unexpected shape: ${z.prettifyError(parsed.error)}`;
      entries.push(parsed.data);
    }
    return entries;
  } catch (error) {
    return failure(error);
  }
}

function describe(right: RequiredRight): string {
  return `    ${right.action}: to ${right.purposes.join('; ')}`;
}

/**
 * What the deployment scripts read: the azd environment's values (azd hands them to hooks as environment
 * variables) and ARM, signed in as whoever runs `azd` (`azd auth login` or `az login` through
 * DefaultAzureCredential).
 */
import { DefaultAzureCredential } from '@azure/identity';
import { z } from 'zod';
import { AzureRestReader } from '../../shared/adapters/azure/inventory/azureRest.js';
import { parseKeyVaultId } from '../../shared/domain/resourceIds.js';

/** A GUID, as subscription, tenant and principal ids are. */
export const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const subscriptionId = z.string().trim().regex(guid, 'must be a subscription id (GUID)');

export const subscriptionIds = z
  .string({ message: 'is not set: azd env set POLICY_SUBSCRIPTION_IDS <subscription id>[,<subscription id>…]' })
  .transform((value) => value.split(/[,;\s]+/).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(guid, { error: (issue) => `'${String(issue.input)}' is not a subscription id (GUID)` }))
      .min(1, 'names no subscription: azd env set POLICY_SUBSCRIPTION_IDS <subscription id>[,<subscription id>…]'),
  )
  .transform((ids) => [...new Map(ids.map((id) => [id.toLowerCase(), id])).values()]);

export const armEndpoint = z
  .url({ protocol: /^https$/, message: 'must be an https URL' })
  .transform((value) => value.replace(/\/+$/, ''))
  .default('https://management.azure.com');

const systemTopicId = z.union([
  z.literal(''),
  z
    .string()
    .regex(
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.EventGrid\/systemTopics\/[^/]+$/i,
      'must be empty or the ARM id of an Event Grid system topic',
    ),
]);

/** One item of MONITORED_VAULTS: a Key Vault an encryption enterprise policy uses. */
export const monitoredVault = z.strictObject({
  id: z.string().refine((id) => parseKeyVaultId(id) !== null, 'must be the ARM id of a Key Vault'),
  location: z.string().min(1),
  rbac: z.boolean(),
  systemTopicId,
});

/** One item of VAULT_SUBSCRIPTIONS: a subscription holding monitored vaults. */
export const vaultSubscription = z.strictObject({
  subscriptionId: z.string().regex(guid, 'must be a subscription id (GUID)'),
  systemTopicId,
});

export type MonitoredVault = z.infer<typeof monitoredVault>;
export type VaultSubscription = z.infer<typeof vaultSubscription>;

/** A JSON setting: its text parsed, then checked against the schema. */
export function jsonSetting<T extends z.ZodType>(schema: T) {
  return z
    .string({ message: 'is not set: run npm run infra:vaults -- --set' })
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        ctx.addIssue({ code: 'custom', message: `is not JSON (${reason}): run npm run infra:vaults -- --set` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** The environment's settings, or one line per bad setting naming it and the path of the bad field. */
export function readSettings<T extends z.ZodType>(schema: T, environment: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(environment);
  if (parsed.success) return parsed.data;
  throw new DeploymentInputError(
    parsed.error.issues.map((issue) => {
      const [setting = '', ...path] = issue.path.map(String);
      const field = path.map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`)).join('');
      return `${setting}${field}: ${issue.message}`;
    }),
  );
}

export class DeploymentInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'DeploymentInputError';
  }
}

export function armReader(endpoint: string): { arm: AzureRestReader; credential: DefaultAzureCredential } {
  const credential = new DefaultAzureCredential();
  return { credential, arm: new AzureRestReader(credential, `${endpoint}/.default`) };
}

/** `HTTP 404: <ARM's error>` from a failed request, or the error's own text when there was no answer. */
export function failure(error: unknown): string {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return typeof status === 'number' ? `HTTP ${status}: ${message}` : message;
}

/** Runs a script's body: a known failure is one message on stderr and exit code 1, never a stack trace. */
export async function run(script: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const problems =
      error instanceof DeploymentInputError ? error.problems : [error instanceof Error ? error.message : String(error)];
    process.stderr.write(`${script}: ${problems.join(`\n${' '.repeat(script.length + 2)}`)}\n`);
    process.exitCode = 1;
  }
}

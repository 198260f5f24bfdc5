import { z } from 'zod';
import { addressList } from '../../addresses.js';
import type { Policy } from '../../../domain/model.js';
import type { AzureRestReader } from './azureRest.js';
import { type Skipped } from '../../../application/ports/inventory.js';
import { firstIssue } from '../../../text/issues.js';

const apiVersion = '2020-10-30-preview';

const text = z.string().trim().min(1);

/** The tag on an enterprise policy that sends its alerts to other addresses than the admins by duty. */
export const alertToTag = 'cmk-monitor-alert-to';

const alertTo = addressList.refine((addresses) => addresses.length > 0, 'names no address');

const enterprisePolicy = z.object({
  id: text,
  tags: z.record(z.string(), z.unknown()).nullish().catch(null),
  name: text,
  location: text,
  kind: text,
  identity: z
    .object({ principalId: text.nullish(), systemAssignedIdentityPrincipalId: text.nullish() })
    .refine((identity) => identity.principalId ?? identity.systemAssignedIdentityPrincipalId, {
      message: 'no principalId or systemAssignedIdentityPrincipalId',
    }),
  properties: z.object({
    systemId: text.nullish(),
    healthStatus: z.string().nullish(),
    encryption: z.object({
      keyVault: z.object({
        id: text,
        key: z.object({ name: text, version: z.string().nullish() }),
      }),
    }),
  }),
});

export type ListedPolicy = Policy & { systemId: string | null };

export interface PolicyPage {
  policies: ListedPolicy[];
  skipped: Skipped[];
}

/** Encryption enterprise policies of one subscription, from ARM (no JS SDK covers this resource type). */
export async function listEncryptionPolicies(
  arm: AzureRestReader,
  armEndpoint: string,
  subscriptionId: string,
): Promise<PolicyPage> {
  const url = `${armEndpoint}/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.PowerPlatform/enterprisePolicies?api-version=${apiVersion}`;
  const page: PolicyPage = { policies: [], skipped: [] };
  for await (const item of arm.list(url)) {
    const parsed = parseEncryptionPolicy(item);
    if (parsed?.kind === 'policy') page.policies.push(parsed.policy);
    if (parsed?.skipped) page.skipped.push(parsed.skipped);
  }
  return page;
}

/** One ARM enterprise policy item: the policy, a skip with its reason, or null for a policy of another kind. */
export function parseEncryptionPolicy(
  item: unknown,
): { kind: 'policy'; policy: ListedPolicy; skipped?: Skipped } | { kind: 'skipped'; skipped: Skipped } | null {
  if (!isEncryptionKind(item)) return null;
  const parsed = enterprisePolicy.safeParse(item);
  if (!parsed.success) {
    return {
      kind: 'skipped',
      skipped: { source: `enterprise policy ${describe(item)}`, reason: firstIssue(parsed.error) },
    };
  }
  const p = parsed.data;
  const tag = Object.entries(p.tags ?? {}).find(([name]) => name.toLowerCase() === alertToTag)?.[1];
  const recipients = tag === undefined ? undefined : alertTo.safeParse(tag);
  return {
    kind: 'policy',
    ...(recipients?.success === false && {
      skipped: {
        source: `tag ${alertToTag} of enterprise policy ${p.id}`,
        reason: `${firstIssue(recipients.error)}; its alerts go to the admins by duty`,
      },
    }),
    policy: {
      ...(recipients?.success && { alertTo: recipients.data }),
      ...(p.properties.healthStatus?.trim() && { healthStatus: p.properties.healthStatus.trim() }),
      id: p.id,
      name: p.name,
      location: p.location.toLowerCase(),
      vaultId: p.properties.encryption.keyVault.id,
      keyName: p.properties.encryption.keyVault.key.name,
      keyVersion: p.properties.encryption.keyVault.key.version || null,
      principalId: (p.identity.principalId ?? p.identity.systemAssignedIdentityPrincipalId ?? '').toLowerCase(),
      systemId: p.properties.systemId ?? null,
    },
  };
}

function isEncryptionKind(item: unknown): boolean {
  const kind = (item as { kind?: unknown } | null)?.kind;
  return typeof kind !== 'string' || kind.toLowerCase() === 'encryption';
}

function describe(item: unknown): string {
  const id = (item as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 300) : '(no id)';
}

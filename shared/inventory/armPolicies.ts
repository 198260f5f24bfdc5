import { z } from 'zod';
import type { Policy } from '../domain/model.js';
import type { AzureRestReader } from './azureRest.js';
import { firstIssue, type Skipped } from './inventory.js';

const apiVersion = '2020-10-30-preview';

const text = z.string().trim().min(1);

const enterprisePolicy = z.object({
  id: text,
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
export async function listEncryptionPolicies(arm: AzureRestReader, armEndpoint: string, subscriptionId: string): Promise<PolicyPage> {
  const url = `${armEndpoint}/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.PowerPlatform/enterprisePolicies?api-version=${apiVersion}`;
  const page: PolicyPage = { policies: [], skipped: [] };
  for await (const item of arm.list(url)) {
    const parsed = parseEncryptionPolicy(item);
    if (parsed?.kind === 'policy') page.policies.push(parsed.policy);
    if (parsed?.kind === 'skipped') page.skipped.push(parsed.skipped);
  }
  return page;
}

/** One ARM enterprise policy item: the policy, a skip with its reason, or null for a policy of another kind. */
export function parseEncryptionPolicy(
  item: unknown,
): { kind: 'policy'; policy: ListedPolicy } | { kind: 'skipped'; skipped: Skipped } | null {
  if (!isEncryptionKind(item)) return null;
  const parsed = enterprisePolicy.safeParse(item);
  if (!parsed.success) {
    return { kind: 'skipped', skipped: { source: `enterprise policy ${describe(item)}`, reason: firstIssue(parsed.error) } };
  }
  const p = parsed.data;
  return {
    kind: 'policy',
    policy: {
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

import { KnownKeyPermissions } from '@azure/arm-keyvault';
import { z } from 'zod';
import { guidPattern } from '../../domain/guid.js';
import { nameOf } from '../../domain/resourceIds.js';
import type { Change } from '../../domain/whatIf/changes.js';
import { issueOf, issuePath } from '../../text/issues.js';

/** Longer than any ARM id, vault, key or version name the API takes. */
const maxText = 400;
const maxChanges = 50;

const text = z.string().trim().min(1).max(maxText);
const guid = text.regex(guidPattern, 'expected a GUID').transform((id) => id.toLowerCase());
/** A role definition as a GUID, or as the ARM id of either form ARM lists, `/subscriptions/…/providers/…` or `/providers/…`. */
const roleDefinitionId = text
  .regex(
    /^(?:(?:\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/?$/i,
    'expected a role definition GUID or its ARM id',
  )
  .transform((id) => nameOf(id).toLowerCase());
const scope = text.regex(/^\//, "expected an ARM scope, starting with '/'");
/**
 * Key Vault holds a key version's `exp` and `nbf` as whole seconds since 1970-01-01T00:00:00Z (KeyAttributes: "Expiry
 * date in seconds since 1970-01-01T00:00:00Z", learn.microsoft.com/javascript/api/@azure/arm-keyvault/keyattributes;
 * `"format": "unixtime"` in the data plane's REST spec), so nothing before 1970; and no ISO 8601 date past 9999, the
 * bound the event readers hold dates to as well.
 */
const dateRange =
  'expected a date from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z, as Key Vault keeps it (Unix seconds)';
const date = z.iso
  .datetime({ offset: true })
  .transform((iso) => new Date(iso))
  .pipe(
    z
      .date()
      .min(new Date(0), dateRange)
      .max(new Date(Date.UTC(9999, 11, 31, 23, 59, 59)), dateRange),
  );
const settableDate = date.nullable().optional();
/** Soft-deleted vaults and keys are kept "7 to 90 calendar days" (learn.microsoft.com/azure/key-vault/general/soft-delete-overview). */
const retentionDays = z
  .number()
  .int('expected whole days')
  .min(7, 'expected 7 to 90 days')
  .max(90, 'expected 7 to 90 days');
/** The key permissions an access policy takes (KeyPermissions, @azure/arm-keyvault), in any case, kept as ARM spells them. */
const keyPermissionNames: readonly string[] = Object.values(KnownKeyPermissions);
const keyPermission = text.transform((name, context) => {
  const known = keyPermissionNames.find((permission) => permission.toLowerCase() === name.toLowerCase());
  if (!known)
    context.addIssue({ code: 'custom', message: `expected a key permission: ${keyPermissionNames.join(', ')}` });
  return known ?? name;
});
const keyPermissions = z.array(keyPermission).transform((names) => [...new Set(names)]);

const keyVersion = { vault: text, key: text, version: text };

const change = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.enum(['disableKeyVersion', 'enableKeyVersion']), ...keyVersion }),
    z.strictObject({ action: z.literal('deleteKey'), vault: text, key: text }),
    z.strictObject({ action: z.literal('recoverDeletedKey'), vault: text, key: text }),
    z
      .strictObject({
        action: z.literal('setKeyVersionDates'),
        ...keyVersion,
        expiresOn: settableDate,
        notBefore: settableDate,
      })
      .refine(
        (c) => c.expiresOn !== undefined || c.notBefore !== undefined,
        'expected expiresOn or notBefore (null clears a date)',
      ),
    z.strictObject({ action: z.literal('rotateKey'), vault: text, key: text, expiresOn: settableDate }),
    z.strictObject({
      action: z.literal('removeRoleAssignment'),
      principalId: guid,
      scope,
      roleDefinitionId: roleDefinitionId.optional(),
    }),
    z.strictObject({ action: z.literal('addRoleAssignment'), principalId: guid, scope, roleDefinitionId }),
    z.strictObject({ action: z.literal('setAccessPolicy'), vault: text, principalId: guid, keyPermissions }),
    z.strictObject({
      action: z.literal('setVaultPermissionModel'),
      vault: text,
      model: z.enum(['rbac', 'accessPolicies']),
    }),
    z
      .strictObject({
        action: z.literal('setVaultNetwork'),
        vault: text,
        publicNetworkAccess: z.enum(['Enabled', 'Disabled']).optional(),
        defaultAction: z.enum(['Allow', 'Deny']).optional(),
        trustedServicesBypass: z.boolean().optional(),
      })
      .refine(
        (c) =>
          c.publicNetworkAccess !== undefined || c.defaultAction !== undefined || c.trustedServicesBypass !== undefined,
        'expected publicNetworkAccess, defaultAction or trustedServicesBypass',
      ),
    z.strictObject({ action: z.literal('enablePurgeProtection'), vault: text }),
    z.strictObject({ action: z.literal('setSoftDeleteRetention'), vault: text, days: retentionDays }),
    z.strictObject({ action: z.literal('deleteVault'), vault: text }),
    z.strictObject({ action: z.literal('unlinkEnvironment'), environmentId: text }),
    z.strictObject({ action: z.literal('linkEnvironment'), environmentId: text, policyId: text }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? unknownAction(issue) : undefined) },
);

const request = z.strictObject({ changes: z.array(change).min(1).max(maxChanges) });

/** The changes a what-if request proposes, or the first thing wrong with it: where (`changes[1].version`) and what. */
export type WhatIfRequest = { ok: true; changes: Change[] } | { ok: false; path: string; message: string };

/** Decodes the body of a what-if POST, `{ "changes": [ … ] }`. */
export function decodeWhatIfRequest(body: unknown): WhatIfRequest {
  const parsed = request.safeParse(body);
  if (parsed.success) return { ok: true, changes: parsed.data.changes satisfies Change[] };
  const { path, message } = issueOf(parsed.error);
  return { ok: false, path: issuePath(path), message };
}

/** Zod's issue for a discriminator no option has lists the options' discriminators. */
function unknownAction(issue: { input?: unknown; options?: unknown }): string {
  const { input, options } = issue;
  const named =
    typeof input === 'object' && input !== null && 'action' in input
      ? `unknown action '${String(input.action)}'`
      : 'no action';
  return `${named}; expected one of ${Array.isArray(options) ? options.join(', ') : 'the documented actions'}`;
}

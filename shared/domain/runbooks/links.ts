import type { ChainFacts, RunbookLink } from './model.js';

/**
 * A Key Vault's menu items as the portal names them in its URLs (its Keys, Access policies, Access control (IAM),
 * Networking and Properties pages). A Managed HSM's keys and access are managed outside the portal: its links open
 * its overview.
 */
export type VaultPage = 'overview' | 'keys' | 'access_policies' | 'users' | 'networking' | 'properties';

const vaultPageNames: Record<VaultPage, string> = {
  overview: 'overview',
  keys: 'Keys',
  access_policies: 'Access policies',
  users: 'Access control (IAM)',
  networking: 'Networking',
  properties: 'Properties',
};

/**
 * A resource's page in the Azure portal, `https://portal.azure.com/#resource{resource id}/{menu item}`: Microsoft's
 * alerts link a resource's summary page as `#resource{resource id}` ("Call a webhook with a classic metric alert in
 * Azure Monitor", `portalLink`), and App Service's best practices a menu item after it (`.../sites/{siteName}/troubleshoot`).
 */
function portalLink(resourceId: string, page: string, label: string): RunbookLink {
  const path = resourceId.split('/').filter(Boolean).map(uriSegment).join('/');
  return { label, url: `https://portal.azure.com/#resource/${path}/${page}` };
}

export function vaultLink(chain: ChainFacts, page: VaultPage): RunbookLink {
  const shown = chain.vaultType === 'managedHsm' ? 'overview' : page;
  const kind = chain.vaultType === 'managedHsm' ? 'Managed HSM' : 'Vault';
  return portalLink(chain.vaultId, shown, `${kind} '${chain.vaultName}' in the Azure portal: ${vaultPageNames[shown]}`);
}

export function policyLink(chain: ChainFacts): RunbookLink {
  return portalLink(chain.policyId, 'overview', `Enterprise policy '${chain.policyName}' in the Azure portal`);
}

/**
 * The environment's page in the Power Platform admin center, as the admin API gives it in `properties.clientUris.admin`
 * (Microsoft Learn, "List environments", documents the field; the API's answers today read
 * `https://admin.powerplatform.microsoft.com/environments/environment/{id}/hub`).
 */
export function environmentLink(environmentId: string): RunbookLink {
  return {
    label: 'The environment in the Power Platform admin center',
    url: `https://admin.powerplatform.microsoft.com/environments/environment/${uriSegment(environmentId)}/hub`,
  };
}

/** Percent-encodes all but RFC 3986's unreserved characters, so no value can end a segment, a link or its markup. */
function uriSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

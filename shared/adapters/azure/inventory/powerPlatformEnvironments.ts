import { z } from 'zod';
import type { AzureRestReader } from './azureRest.js';
import { type Skipped } from '../../../application/ports/inventory.js';
import { firstIssue } from '../../../text/issues.js';

/**
 * `GET /providers/Microsoft.BusinessAppPlatform/scopes/admin/environments`, api-version 2023-06-01 (the version the
 * Power Platform Terraform provider lists with: microsoft/terraform-provider-power-platform
 * internal/constants/constants.go `BAP_API_VERSION`). The list leaves an environment's enterprise policy links out
 * unless `$expand=properties.enterprisePolicies` asks for them (public admin scripts: "an unexpanded response omitted
 * the association"); Microsoft's Learn page expands other properties the same way (power-platform/admin/list-environments:
 * `$expand=properties.capacity,properties.addons`). The link is `properties.enterprisePolicies.customerManagedKeys`
 * `{ policyId, location, id, systemId, linkStatus }` (the Terraform provider's environment DTO and its recorded
 * responses). Pages follow a top-level `nextLink` (Microsoft.PowerApps.RestClientModule).
 *
 * Whether Power Platform runs the environment is `properties.states.runtime.id` (the provider's `StatesEnvironmentDto`
 * `Runtime.Id`; its recorded lists show `Enabled`): Microsoft's admin module sets it through the same resource, "It can
 * be Enabled, AdminMode, Disabled, Warning" (Microsoft.PowerApps.Administration.PowerShell,
 * `Set-AdminPowerAppEnvironmentRuntimeState`). Its page in the admin center is `properties.clientUris.admin`
 * (`https://admin.powerplatform.microsoft.com/environments/environment/<name>/hub` in the provider's recorded lists).
 */
const apiVersion = '2023-06-01';
export const environmentListPath = '/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments';
export const environmentListQuery = `api-version=${apiVersion}&$expand=properties.enterprisePolicies`;

const text = z.string().trim().min(1);

const environment = z.object({
  name: text,
  location: text,
  properties: z.object({
    displayName: z.string().nullish(),
    environmentSku: z.string().nullish(),
    governanceConfiguration: z.object({ protectionLevel: z.string().nullish() }).nullish(),
    enterprisePolicies: z.record(z.string(), z.unknown()).nullish(),
    states: z.object({ runtime: z.object({ id: z.string().nullish() }).nullish() }).nullish(),
    clientUris: z.object({ admin: z.string().nullish() }).nullish(),
  }),
});

const link = z.object({
  id: z.string().nullish(),
  systemId: z.string().nullish(),
  policyId: z.string().nullish(),
  linkStatus: z.string().nullish(),
});

/**
 * An environment as the admin API shows it; `link` names the encryption policy by whichever ids it carries, with
 * the link's status as reported (null when none is). `runtimeState` and `adminUrl` are absent when not reported: an
 * environment whose runtime state is not reported is not taken to be enabled.
 */
export interface ListedEnvironment {
  id: string;
  displayName: string;
  location: string;
  sku: string;
  managed: boolean;
  runtimeState?: string;
  adminUrl?: string;
  link: { policyId: string | null; systemId: string | null; linkStatus: string | null } | null;
}

export interface EnvironmentPage {
  environments: ListedEnvironment[];
  skipped: Skipped[];
}

/** The admin API's environment list, a page at a time as it arrives. */
export async function* listEnvironments(
  powerPlatform: AzureRestReader,
  endpoint: string,
): AsyncGenerator<EnvironmentPage> {
  const url = `${endpoint}${environmentListPath}?${environmentListQuery}`;
  for await (const items of powerPlatform.pages(url)) {
    const page: EnvironmentPage = { environments: [], skipped: [] };
    for (const item of items) {
      const parsed = parseEnvironment(item);
      if (parsed.kind === 'environment') page.environments.push(parsed.environment);
      else page.skipped.push(parsed.skipped);
    }
    yield page;
  }
}

/** One admin API environment item: the environment with its encryption link, or a skip with its reason. */
export function parseEnvironment(
  item: unknown,
): { kind: 'environment'; environment: ListedEnvironment } | { kind: 'skipped'; skipped: Skipped } {
  const parsed = environment.safeParse(item);
  if (!parsed.success) {
    return { kind: 'skipped', skipped: { source: `environment ${describe(item)}`, reason: firstIssue(parsed.error) } };
  }
  const e = parsed.data;
  const runtimeState = e.properties.states?.runtime?.id?.trim();
  // Shown in findings as a link: only an https URL without spaces is taken.
  const adminUrl = e.properties.clientUris?.admin?.trim().match(/^https:\/\/\S+$/i)?.[0];
  const encryption = encryptionLink(e.properties.enterprisePolicies);
  if (encryption.kind === 'invalid') {
    return { kind: 'skipped', skipped: { source: `environment ${e.name}`, reason: encryption.reason } };
  }
  return {
    kind: 'environment',
    environment: {
      id: e.name.toLowerCase(),
      displayName: e.properties.displayName?.trim() || e.name,
      location: e.location.toLowerCase(),
      sku: e.properties.environmentSku ?? 'Unknown',
      managed: e.properties.governanceConfiguration?.protectionLevel?.toLowerCase() === 'standard',
      ...(runtimeState && { runtimeState }),
      ...(adminUrl && { adminUrl }),
      link: encryption.link,
    },
  };
}

/**
 * A linked environment the admin API listed without its runtime state: kept and evaluated, but whether Power Platform
 * still keeps it disabled after key access is back cannot be told, which the monitor must say.
 */
export function unreportedOf(environment: ListedEnvironment): Skipped | null {
  return environment.link && !environment.runtimeState
    ? { source: `environment ${environment.id}`, reason: 'properties.states.runtime.id absent' }
    : null;
}

type EncryptionLink = { kind: 'ok'; link: ListedEnvironment['link'] } | { kind: 'invalid'; reason: string };

/** The CMK link appears as customerManagedKeys, CustomerManagedKeys or encryption in real responses. */
function encryptionLink(policies: Record<string, unknown> | null | undefined): EncryptionLink {
  const entry = Object.entries(policies ?? {}).find(([name]) => /^(customermanagedkeys|encryption)$/i.test(name));
  if (!entry || entry[1] === null || entry[1] === undefined) return { kind: 'ok', link: null };
  const parsed = link.safeParse(entry[1]);
  if (!parsed.success)
    return { kind: 'invalid', reason: firstIssue(parsed.error, `properties.enterprisePolicies.${entry[0]}`) };
  const { id, systemId } = parsed.data;
  const linkStatus = parsed.data.linkStatus?.trim() || null;
  if (linkStatus && /^unlinked$/i.test(linkStatus)) return { kind: 'ok', link: null };
  if (!id && !systemId) {
    return { kind: 'invalid', reason: `properties.enterprisePolicies.${entry[0]}: neither id nor systemId` };
  }
  return { kind: 'ok', link: { policyId: id || null, systemId: systemId || null, linkStatus } };
}

function describe(item: unknown): string {
  const name = (item as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name.slice(0, 100) : '(no name)';
}

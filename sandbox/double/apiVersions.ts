/**
 * The api-versions each API the double plays serves, and the refusal of any other, so a client that sends a version
 * Azure does not know fails here as it would there. Versions are those published in Azure/azure-rest-api-specs
 * (specification/<service>/resource-manager/<namespace>/{stable,preview}/<version>) or, for the Power Platform admin
 * API, which has no published spec, those public clients send (docs/azure-contract.md lists the sources).
 * Microsoft.KeyVault's list was checked against the spec folders' example directories (up to 2026-04-01); the other
 * lists name the versions the monitor, its scripts and the tests send plus those the specs were seen to hold: a version
 * Azure has and the list lacks is refused here, the safe side of strict.
 */
import { errorReply, type DoubleRequest, type Reply } from './server.js';

/** ARM, by the namespace of the last `/providers/<namespace>/` in the path. */
export const armApiVersions: Record<string, readonly string[]> = {
  'microsoft.keyvault': [
    '2015-06-01',
    '2016-10-01',
    '2018-02-14',
    '2019-09-01',
    '2020-04-01-preview',
    '2021-04-01-preview',
    '2021-06-01-preview',
    '2021-10-01',
    '2021-11-01-preview',
    '2022-02-01-preview',
    '2022-07-01',
    '2022-11-01',
    '2023-02-01',
    '2023-07-01',
    '2023-08-01-preview',
    '2024-04-01-preview',
    '2024-11-01',
    '2024-12-01-preview',
    '2025-05-01',
    '2026-02-01',
    '2026-03-01-preview',
    '2026-04-01-preview',
    '2026-04-01',
  ],
  'microsoft.authorization': [
    '2015-07-01',
    '2018-01-01-preview',
    '2020-04-01-preview',
    '2020-10-01',
    '2022-04-01',
    '2022-05-01-preview',
  ],
  'microsoft.powerplatform': ['2020-10-30-preview'],
  'microsoft.eventgrid': [
    '2020-04-01-preview',
    '2020-10-15-preview',
    '2021-06-01-preview',
    '2021-10-15-preview',
    '2021-12-01',
    '2022-06-15',
    '2023-06-01-preview',
    '2023-12-15-preview',
    '2024-06-01-preview',
    '2024-12-15-preview',
    '2025-02-15',
    '2025-04-01-preview',
  ],
  'microsoft.insights': ['2017-05-01-preview', '2021-05-01-preview'],
};

/** Key Vault's data plane (Managed HSM's too): the versions of specification/keyvault/data-plane. */
export const keyVaultApiVersions: readonly string[] = ['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-07-01'];
export const latestKeyVaultApiVersion = '2025-07-01';

/** The Power Platform admin API (BAP): the versions public clients of `scopes/admin/environments` send. */
export const powerPlatformApiVersions: readonly string[] = [
  '2016-11-01',
  '2019-10-01',
  '2020-10-01',
  '2021-04-01',
  '2023-06-01',
  '2024-05-01',
];

/**
 * ARM's answers: `MissingApiVersionParameter` without one, `InvalidApiVersionParameter` naming the supported versions
 * for one the namespace does not have, as real replies show it (Azure/azure-cli#27109:
 * `{"error":{"code":"InvalidApiVersionParameter","message":"The api-version '2023-02-01' is invalid. The supported versions are '2023-07-01,…'."}}`).
 * A resource provider may refuse instead with `NoRegisteredProviderFound` (Azure/azure-sdk-for-js#4097); either is a 400.
 */
export function armApiVersionRefusal(request: DoubleRequest): Reply | undefined {
  const segments = request.url.pathname.toLowerCase().split('/');
  const supported = armApiVersions[segments[segments.lastIndexOf('providers') + 1] ?? ''];
  if (!supported) return undefined;
  const given = request.query.get('api-version');
  if (!given)
    return errorReply(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  if (supported.includes(given)) return undefined;
  return errorReply(
    400,
    'InvalidApiVersionParameter',
    `The api-version '${given}' is invalid. The supported versions are '${[...supported].reverse().join(',')}'.`,
  );
}

/**
 * Key Vault's answer: `BadParameter`, naming the latest version it serves (Azure/azure-sdk-for-net#14789: "The specified
 * version (7.1) is not recognized. Consider using the latest supported version (2016-10-01).").
 */
export function keyVaultApiVersionRefusal(request: DoubleRequest): Reply | undefined {
  const given = request.query.get('api-version');
  if (given && keyVaultApiVersions.includes(given)) return undefined;
  return errorReply(
    400,
    'BadParameter',
    given
      ? `The specified version (${given}) is not recognized. Consider using the latest supported version (${latestKeyVaultApiVersion}).`
      : 'The api-version parameter is missing.',
  );
}

/** The admin API publishes no error sample for this; it answers in ARM's shape with ARM's codes. */
export function powerPlatformApiVersionRefusal(request: DoubleRequest): Reply | undefined {
  const given = request.query.get('api-version');
  if (!given)
    return errorReply(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  if (powerPlatformApiVersions.includes(given)) return undefined;
  return errorReply(
    400,
    'InvalidApiVersionParameter',
    `The api-version '${given}' is invalid. The supported versions are '${[...powerPlatformApiVersions].reverse().join(',')}'.`,
  );
}

/** The Power Platform admin API (BAP, api.bap.microsoft.com): environments with their enterprise policy link. */
import { enterprisePolicyResourceId, enterprisePolicySystemId } from './ids.js';
import { powerPlatformApiVersionRefusal } from './apiVersions.js';
import { paginate } from './paging.js';
import { azureRegionOf } from './regions.js';
import { errorReply, type DoubleRequest, type Reply, type Service } from './server.js';
import type { DoubleState, EnvironmentState } from './state.js';

const environmentsPath = /^\/providers\/microsoft\.businessappplatform\/scopes\/admin\/environments\/?$/i;
const environmentPath = /^\/providers\/microsoft\.businessappplatform\/scopes\/admin\/environments\/([^/]+)\/?$/i;

export function powerPlatformService(options: { state: DoubleState; pageSize: number }): Service {
  const { state, pageSize } = options;
  const targets = () => ['powerPlatform'];
  return {
    name: 'powerPlatform',
    routes: [
      {
        method: 'GET',
        pattern: environmentsPath,
        kind: 'powerPlatform.listEnvironments',
        targets,
        // Each page renders its own environments only: a list of 20,000 costs the double 400 small pages, not 400 whole worlds.
        handle: (request) => ({
          status: 200,
          body: paginate(state.environments, request, pageSize, '$skiptoken', (environment, index) =>
            environmentResource(state, environment, index, expandsLinks(request)),
          ),
        }),
      },
      {
        method: 'GET',
        pattern: environmentPath,
        kind: 'powerPlatform.getEnvironment',
        targets,
        handle: (request) => {
          const environment = state.environment(request.params[0] ?? '');
          if (!environment)
            return errorReply(
              404,
              'EnvironmentNotFound',
              `The environment '${request.params[0] ?? ''}' could not be found.`,
            );
          return {
            status: 200,
            body: environmentResource(state, environment, state.environments.indexOf(environment), true),
          };
        },
      },
    ],
    unauthenticated: () =>
      errorReply(
        401,
        'MissingAuthorizationToken',
        'The request is missing an Authorization header with a bearer token.',
      ),
    fault: powerPlatformFault,
    apiVersion: powerPlatformApiVersionRefusal,
    unknownRoute: () => errorReply(404, 'NotFound', 'The route is not served by the Azure double.'),
  };
}

/**
 * The list leaves the links out unless `$expand` names `properties.enterprisePolicies` (public admin scripts: "an
 * unexpanded response omitted the association"), spelled as those scripts spell it. One environment's GET carries
 * them: Microsoft's own scripts read `properties.enterprisePolicies` from it with no `$expand`
 * (microsoft/PowerPlatform-EnterprisePolicies, Source/Common/EnvironmentEnterprisePolicyOperations.ps1).
 */
function expandsLinks(request: DoubleRequest): boolean {
  return (request.query.get('$expand') ?? '')
    .split(',')
    .some((property) => property.trim() === 'properties.enterprisePolicies');
}

/**
 * Real responses spell the link's key differently from environment to environment: the double alternates. The
 * runtime state and the admin center page are where the Terraform provider's recorded lists have them
 * (microsoft/terraform-provider-power-platform `internal/services/environment/tests/datasource/Validate_Read/get_environments.json`:
 * `states.runtime.id`, `clientUris.admin`).
 */
function environmentResource(state: DoubleState, environment: EnvironmentState, index: number, links: boolean): object {
  const shown = links && !state.omitted.has('environment.properties.enterprisePolicies');
  const policy = environment.policyName === null || !shown ? undefined : state.policy(environment.policyName);
  const linkKey = index % 2 === 0 ? 'customerManagedKeys' : 'CustomerManagedKeys';
  return {
    id: `/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${environment.id}`,
    name: environment.id,
    type: 'Microsoft.BusinessAppPlatform/scopes/environments',
    location: environment.location,
    properties: {
      tenantId: state.tenantId,
      displayName: environment.displayName,
      azureRegion: azureRegionOf[environment.location],
      environmentSku: environment.sku,
      governanceConfiguration: { protectionLevel: environment.managed ? 'Standard' : 'Basic' },
      clientUris: { admin: `https://admin.powerplatform.microsoft.com/environments/environment/${environment.id}/hub` },
      states: { runtime: { id: environment.runtimeState } },
      ...(policy && {
        enterprisePolicies: {
          [linkKey]: {
            policyId: policy.systemGuid,
            location: policy.location,
            id: enterprisePolicyResourceId(policy.subscriptionId, policy.resourceGroup, policy.name),
            systemId: enterprisePolicySystemId(policy.location, policy.systemGuid),
            linkStatus: environment.linkStatus,
          },
        },
      }),
    },
  };
}

const faultCodes: Record<number, [string, string]> = {
  400: ['InvalidRequest', 'The request body is not valid JSON.'],
  401: ['InvalidAuthenticationToken', 'The access token is invalid.'],
  403: ['Forbidden', 'The caller is not registered as a Power Platform management application.'],
  404: ['NotFound', 'The resource could not be found.'],
  429: ['TooManyRequests', 'Rate limit is exceeded. Try again in 1 seconds.'],
  500: ['InternalServerError', 'An internal server error occurred.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable.'],
};

function powerPlatformFault(status: number): Reply {
  const [code, message] = faultCodes[status] ?? ['Error', `Injected failure (${status}).`];
  return errorReply(status, code, message);
}

/** Azure Resource Manager as the double serves it: Key Vault vaults and Managed HSMs, authorization, Power Platform enterprise policies, Event Grid system topics, diagnostic settings. */
import { authorizationRoutes } from './armAuthorization.js';
import { armFault } from './armErrors.js';
import { armApiVersionRefusal } from './apiVersions.js';
import { eventGridRoutes } from './armEventGrid.js';
import { diagnosticSettingRoutes } from './armDiagnostics.js';
import { armKeyRoutes } from './armKeys.js';
import { managedHsmRoutes } from './armManagedHsms.js';
import { vaultRoutes } from './armVaults.js';
import { enterprisePolicyRoutes } from './enterprisePolicies.js';
import { errorReply, type Service } from './server.js';
import type { DoubleState } from './state.js';

export interface ArmContext {
  state: DoubleState;
  pageSize: number;
  /** The data-plane URI of a vault, starting its server when the vault is new. */
  vaultEndpoint: (vaultName: string) => Promise<string>;
}

export function armService(context: ArmContext): Service {
  return {
    name: 'arm',
    routes: [
      ...vaultRoutes(context),
      ...managedHsmRoutes(context),
      ...armKeyRoutes(context),
      ...authorizationRoutes(context),
      ...enterprisePolicyRoutes(context),
      ...eventGridRoutes(context),
      ...diagnosticSettingRoutes(context),
    ],
    unauthenticated: () =>
      errorReply(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
        'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${context.state.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
      }),
    fault: armFault,
    apiVersion: armApiVersionRefusal,
    unknownRoute: () => errorReply(404, 'InvalidResourceType', 'The resource type is not served by the Azure double.'),
  };
}

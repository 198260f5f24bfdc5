import {
  allowTrustedServices,
  enableKeyVersion,
  grantCryptoServiceEncryptionUser,
  grantKeyAccessPolicy,
} from './commands.js';
import { environmentLink, vaultLink } from './links.js';
import type { ChainFacts, RunbookCommand, RunbookContext, RunbookLink, RunbookStep } from './model.js';

/** A step; a link or commands only when there are some. */
export function step(text: string, link?: RunbookLink | null, commands: RunbookCommand[] = []): RunbookStep {
  return { text, ...(link && { link }), ...(commands.length > 0 && { commands }) };
}

/** How a step names the key: by name when known. */
export function keyNamed(chain: ChainFacts | null): string {
  return chain
    ? `key '${chain.keyName}' in ${chain.vaultType === 'managedHsm' ? 'Managed HSM' : 'vault'} '${chain.vaultName}'`
    : "the policy's key";
}

export function versionNamed(chain: ChainFacts | null): string {
  return chain?.keyVersion ? `version '${chain.keyVersion}'` : 'the current version';
}

/**
 * Microsoft, "Lock and unlock environments through key vault access" (learn.microsoft.com/power-platform/admin/cmk-lock-unlock):
 * once key access is restored, an admin re-enables each environment in the admin center ("Re-enable environment", up
 * to five minutes); the page gives no command for it.
 */
export function reEnableEnvironment({ environmentId, chain }: RunbookContext): RunbookStep {
  const others = chain ? ` Do the same for every other environment of policy '${chain.policyName}'.` : '';
  return step(
    'Once the key is usable again, re-enable the environment by hand: Power Platform does not. In the Power Platform admin ' +
      "center, open the environment (Manage > Environments) and select 'Re-enable environment' in its 'Environment " +
      `disabled' panel; it can take up to five minutes.${others} You need read access to the enterprise policy.`,
    environmentLink(environmentId),
  );
}

export function makeKeyUsable(chain: ChainFacts | null): RunbookStep {
  return step(
    `Make ${keyNamed(chain)} usable: recover it if it was deleted (Keys > Manage deleted keys), and check that ` +
      `${versionNamed(chain)} is enabled, not expired and already active.`,
    chain && vaultLink(chain, 'keys'),
    chain?.keyVersion ? enableKeyVersion(chain, chain.keyVersion) : [],
  );
}

/** The grant the vault's permission model takes; both when it is not known. A Managed HSM grants in its own local RBAC. */
export function giveAccessBack(chain: ChainFacts | null): RunbookStep[] {
  const identity = chain
    ? `the managed identity of enterprise policy '${chain.policyName}' (object id ${chain.principalId})`
    : "the enterprise policy's managed identity";
  if (chain?.vaultType === 'managedHsm') {
    return [
      step(
        `Give ${identity} a role that can get, wrap and unwrap key '${chain.keyName}' in Managed HSM '${chain.vaultName}''s local RBAC.`,
        vaultLink(chain, 'overview'),
      ),
    ];
  }
  const rbac = step(
    `Give ${identity} the 'Key Vault Crypto Service Encryption User' role on the vault (Access control (IAM) > Add role assignment), if the vault uses Azure RBAC.`,
    chain && vaultLink(chain, 'users'),
    chain ? grantCryptoServiceEncryptionUser(chain) : [],
  );
  const accessPolicy = step(
    `Give ${identity} an access policy with the key permissions Get, Wrap Key and Unwrap Key (Access policies > Create), if the vault uses access policies.`,
    chain && vaultLink(chain, 'access_policies'),
    chain ? grantKeyAccessPolicy(chain) : [],
  );
  if (chain?.permissionModel === 'rbac') return [rbac];
  return chain?.permissionModel === 'accessPolicies' ? [accessPolicy] : [rbac, accessPolicy];
}

export function letTrustedServicesIn(chain: ChainFacts | null): RunbookStep {
  return step(
    "In the vault's Networking settings, turn on 'Allow trusted Microsoft services to bypass this firewall' (or allow public access from all networks).",
    chain && vaultLink(chain, 'networking'),
    chain ? allowTrustedServices(chain) : [],
  );
}

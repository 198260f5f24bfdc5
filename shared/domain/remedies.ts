import type { RuleId } from './model.js';

/** What an admin does to clear each finding. */
export const remedies: Record<RuleId, string> = {
  'key-access-failing':
    "Give the enterprise policy's identity its access back now: re-enable or recover the key, restore its role or access policy, reopen the vault to trusted Microsoft services. The finding clears once the refusals stop and the monitor reads the chain; then unlock the environments in the Power Platform admin center if they were locked.",
  'key-expired':
    'In Key Vault, set a later expiry date on the current key version or create a new key version (rotate); the environments come back once the key is usable again.',
  'key-expiring':
    'Create a new key version (rotate) before the expiry date; keep the previous version enabled for at least 28 days.',
  'key-disabled': 'In Key Vault, re-enable the current key version (Keys > key > version > Enabled: Yes).',
  'key-missing':
    "Recover the deleted key or vault from Key Vault soft-delete (Manage deleted keys / Manage deleted vaults), or fix the key name and version the enterprise policy references.",
  'key-not-yet-valid':
    'Clear or move back the activation date (nbf) of the current key version so it is valid now, or rotate to a version that is already active.',
  'key-type-unsupported':
    'Create an RSA or RSA-HSM key of 2048 or 3072 bits, create a new enterprise policy for it, then move the environments: remove them from the old policy and add them to the new one.',
  'vault-recovery-off':
    'Turn on soft delete and purge protection in the vault (Properties > Soft-delete, Purge protection); CMK requires both.',
  'access-revoked':
    "Grant the enterprise policy's managed identity the 'Key Vault Crypto Service Encryption User' role on the vault or key (RBAC model), or an access policy with Get, Wrap Key and Unwrap Key key permissions (access policy model).",
  'previous-version-disabled-early':
    'Re-enable the previous key version and keep it enabled for at least 28 days after the rotation.',
  'unlinked-chain-broken':
    "Restore the old policy's key, vault or access (recover from soft-delete, re-enable, re-grant) and keep it for 30 days after the environment left the policy, so older backups can still be restored.",
  'vault-network-blocked':
    "In the vault's Networking settings, turn on 'Allow trusted Microsoft services to bypass this firewall' (or allow public access from all networks).",
  'region-mismatch':
    "Create an enterprise policy in the environment's region (policy location must match the environment's geography) and add the environment to that policy instead.",
  'environment-not-eligible':
    'Enable Managed Environments for the environment in the Power Platform admin center; Trial and Teams environments cannot be encrypted with a customer-managed key (convert a trial to production first).',
  'key-no-expiry':
    "Optional: add a key rotation policy with automatic rotation and a 'notify before expiry' action, so Key Vault rotates the key and emits near-expiry events.",
  'monitor-blind':
    "Give the monitor's identity the 'Key Vault Reader' role on the vault and Reader on its resource group (for vault properties and role assignments), and let it reach the vault through the network; the next scan then judges the chain.",
  'link-failed':
    "Fix what the finding names in the policy's chain, if anything (key, vault access, region, Managed Environment); then in the Power Platform admin center go to Policies > Enterprise policies, open the policy and run Add environments again for this environment. Contact Microsoft Support if the re-run fails.",
  'link-pending':
    'Nothing while the policy is being applied or removed (up to four days). If it lasts longer, check the environment in the Power Platform admin center and open a Microsoft support request.',
  'events-not-wired':
    "Optional: run 'azd provision' from the monitor's repository (see Deploy to Azure); it subscribes the monitor's keyVaultEvents function to every monitored vault's events, so changes are judged within a minute instead of at the next scan.",
  'policy-unhealthy':
    "Restore the enterprise policy's access to its key (re-enable or recover the key, re-grant the identity's role or access policy, reopen the vault to trusted services); once Microsoft reports the policy Healthy, unlock the environments in the Power Platform admin center.",
};

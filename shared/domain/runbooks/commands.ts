/*
 * The command-line equivalents of the runbooks' steps, as Microsoft Learn gives them: "Azure Key Vault recovery
 * management with soft delete and purge protection" (az keyvault key recover, az keyvault recover,
 * --enable-purge-protection, Undo-AzKeyVaultKeyRemoval), "Configure Azure Key Vault networking settings" (--bypass
 * AzureServices, Update-AzKeyVaultNetworkRuleSet), "Assign a Key Vault access policy" (az keyvault set-policy,
 * Set-AzKeyVaultAccessPolicy), the Azure CLI reference (az keyvault key set-attributes, az keyvault key rotate,
 * az role assignment create) and the Az cmdlet reference (Update-AzKeyVaultKey, Invoke-AzKeyVaultKeyRotation,
 * New-AzRoleAssignment, Update-AzKeyVault). Key commands reach the vault by its name; vault commands name its
 * subscription and resource group, and there are none when the vault's id does not give them. A Managed HSM is named
 * with --hsm-name / -HsmName where a command takes one.
 */
import { parseVaultId } from '../resourceIds.js';
import type { ChainFacts, RunbookCommand } from './model.js';
import { azureCli, powerShell } from './quoting.js';

export function enableKeyVersion({ vaultName, vaultType, keyName }: ChainFacts, version: string): RunbookCommand[] {
  return vaultType === 'managedHsm'
    ? [
        azureCli`az keyvault key set-attributes --hsm-name ${vaultName} --name ${keyName} --version ${version} --enabled true`,
        powerShell`Update-AzKeyVaultKey -HsmName ${vaultName} -Name ${keyName} -Version ${version} -Enable $true`,
      ]
    : [
        azureCli`az keyvault key set-attributes --vault-name ${vaultName} --name ${keyName} --version ${version} --enabled true`,
        powerShell`Update-AzKeyVaultKey -VaultName ${vaultName} -Name ${keyName} -Version ${version} -Enable $true`,
      ];
}

/** A year from when it runs: PowerShell computes the date. */
export function extendExpiry({ vaultName, vaultType, keyName }: ChainFacts, version: string): RunbookCommand[] {
  return [
    vaultType === 'managedHsm'
      ? powerShell`Update-AzKeyVaultKey -HsmName ${vaultName} -Name ${keyName} -Version ${version} -Expires (Get-Date).AddYears(1).ToUniversalTime()`
      : powerShell`Update-AzKeyVaultKey -VaultName ${vaultName} -Name ${keyName} -Version ${version} -Expires (Get-Date).AddYears(1).ToUniversalTime()`,
  ];
}

/** Valid from when it runs: PowerShell computes the date. */
export function activateNow({ vaultName, vaultType, keyName }: ChainFacts, version: string): RunbookCommand[] {
  return [
    vaultType === 'managedHsm'
      ? powerShell`Update-AzKeyVaultKey -HsmName ${vaultName} -Name ${keyName} -Version ${version} -NotBefore (Get-Date).ToUniversalTime()`
      : powerShell`Update-AzKeyVaultKey -VaultName ${vaultName} -Name ${keyName} -Version ${version} -NotBefore (Get-Date).ToUniversalTime()`,
  ];
}

/** Invoke-AzKeyVaultKeyRotation takes no Managed HSM. */
export function rotateKey({ vaultName, vaultType, keyName }: ChainFacts): RunbookCommand[] {
  return vaultType === 'managedHsm'
    ? [azureCli`az keyvault key rotate --hsm-name ${vaultName} --name ${keyName}`]
    : [
        azureCli`az keyvault key rotate --vault-name ${vaultName} --name ${keyName}`,
        powerShell`Invoke-AzKeyVaultKeyRotation -VaultName ${vaultName} -Name ${keyName}`,
      ];
}

export function recoverKey({ vaultName, vaultType, keyName }: ChainFacts): RunbookCommand[] {
  return vaultType === 'managedHsm'
    ? [
        azureCli`az keyvault key recover --hsm-name ${vaultName} --name ${keyName}`,
        powerShell`Undo-AzKeyVaultKeyRemoval -HsmName ${vaultName} -Name ${keyName}`,
      ]
    : [
        azureCli`az keyvault key recover --vault-name ${vaultName} --name ${keyName}`,
        powerShell`Undo-AzKeyVaultKeyRemoval -VaultName ${vaultName} -Name ${keyName}`,
      ];
}

/** Undo-AzKeyVaultRemoval needs the vault's location, which the monitor does not keep. */
export function recoverVault(chain: ChainFacts): RunbookCommand[] {
  const vault = keyVaultOf(chain);
  return vault ? [azureCli`az keyvault recover --subscription ${vault.subscriptionId} --name ${vault.name}`] : [];
}

export function enablePurgeProtection(chain: ChainFacts): RunbookCommand[] {
  const vault = keyVaultOf(chain);
  if (!vault) return [];
  const { subscriptionId, resourceGroup, name } = vault;
  return [
    azureCli`az keyvault update --subscription ${subscriptionId} --resource-group ${resourceGroup} --name ${name} --enable-purge-protection true`,
    powerShell`Update-AzKeyVault -SubscriptionId ${subscriptionId} -ResourceGroupName ${resourceGroup} -VaultName ${name} -EnablePurgeProtection`,
  ];
}

export function allowTrustedServices(chain: ChainFacts): RunbookCommand[] {
  const vault = keyVaultOf(chain);
  if (!vault) return [];
  const { subscriptionId, resourceGroup, name } = vault;
  return [
    azureCli`az keyvault update --subscription ${subscriptionId} --resource-group ${resourceGroup} --name ${name} --bypass AzureServices`,
    powerShell`Update-AzKeyVaultNetworkRuleSet -SubscriptionId ${subscriptionId} -ResourceGroupName ${resourceGroup} -VaultName ${name} -Bypass AzureServices`,
  ];
}

/** The role Power Platform's own instructions grant the policy identity on the vault. */
export function grantCryptoServiceEncryptionUser({ principalId, vaultId }: ChainFacts): RunbookCommand[] {
  const role = 'Key Vault Crypto Service Encryption User';
  return [
    azureCli`az role assignment create --assignee-object-id ${principalId} --assignee-principal-type ServicePrincipal --role ${role} --scope ${vaultId}`,
    powerShell`New-AzRoleAssignment -ObjectId ${principalId} -RoleDefinitionName ${role} -Scope ${vaultId}`,
  ];
}

export function grantKeyAccessPolicy(chain: ChainFacts): RunbookCommand[] {
  const vault = keyVaultOf(chain);
  if (!vault) return [];
  const { subscriptionId, resourceGroup, name } = vault;
  const { principalId } = chain;
  return [
    azureCli`az keyvault set-policy --subscription ${subscriptionId} --resource-group ${resourceGroup} --name ${name} --object-id ${principalId} --key-permissions get wrapKey unwrapKey`,
    powerShell`Set-AzKeyVaultAccessPolicy -SubscriptionId ${subscriptionId} -ResourceGroupName ${resourceGroup} -VaultName ${name} -ObjectId ${principalId} -PermissionsToKeys get,wrapKey,unwrapKey`,
  ];
}

function keyVaultOf(chain: ChainFacts) {
  const parsed = parseVaultId(chain.vaultId);
  return parsed?.type === 'vault' ? parsed : null;
}

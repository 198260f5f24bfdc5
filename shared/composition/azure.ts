import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Config } from '../config.js';
import { AzureInventory } from '../adapters/azure/inventory/azureInventory.js';
import { AzureRestReader } from '../adapters/azure/inventory/azureRest.js';
import { FileInventory } from '../adapters/azure/inventory/fileInventory.js';
import type { InventorySource } from '../application/ports/inventory.js';
import { patientThrottling, ThrottleCounter, type AzureService } from '../adapters/azure/throttling.js';
import { AccessReader, authorizationClients } from '../adapters/azure/truth/accessReader.js';
import { ArmKeyReader } from '../adapters/azure/truth/armKeyReader.js';
import { EventCoverageReader } from '../adapters/azure/truth/eventCoverage.js';
import { KeyReader } from '../adapters/azure/truth/keyReader.js';
import { keyReads } from '../adapters/azure/truth/keyReads.js';
import type { Truth } from '../application/ports/truth.js';
import { VaultReader } from '../adapters/azure/truth/vaultReader.js';

/** What differs between Azure and a local run beyond the settings: an extra trusted CA, extra pipeline policies. */
export interface Wiring {
  credential?: TokenCredential;
  ca?: string;
  tablePolicies?: PipelinePolicy[];
  azurePolicies?: PipelinePolicy[];
}

/**
 * The credential every client shares, the throttled answers counted across them, and each Azure service's client
 * options: the extra CA and policies, patience when throttled, and the throttling counted.
 */
export type AzureClients = ReturnType<typeof azureClients>;

export function azureClients(wiring: Wiring) {
  const credential = wiring.credential ?? new DefaultAzureCredential();
  const throttles = new ThrottleCounter();
  const pipeline = (service: AzureService) => ({
    ...(wiring.ca ? { tlsOptions: { ca: wiring.ca } } : {}),
    additionalPolicies: [
      ...(wiring.azurePolicies ?? []).map((policy) => ({ policy, position: 'perCall' as const })),
      { policy: patientThrottling, position: 'perCall' as const },
      { policy: throttles.policy(service), position: 'perRetry' as const },
    ],
  });
  return { credential, throttles, pipeline };
}

/** Where the truth is read: vaults and access from Resource Manager, keys as KEY_READS says. */
export function truthReaders(config: Config, azure: AzureClients): () => Truth {
  const arm = { ...azure.pipeline('arm'), endpoint: config.armEndpoint };
  const vaults = new VaultReader(azure.credential, arm);
  const readKey = keyReads(
    config.keyReads,
    new ArmKeyReader(azure.credential, arm),
    new KeyReader(azure.credential, azure.pipeline('keyvault')),
  );
  const authorization = authorizationClients(azure.credential, arm);
  // A fresh access reader for each run: what it remembers lasts one run.
  return () => {
    const access = new AccessReader(authorization);
    return {
      vault: (vaultId) => vaults.read(vaultId),
      key: readKey,
      grants: (vault, principalId) => access.read(vault, principalId),
    };
  };
}

/** Whether each vault's events reach this function app: read only from Azure, and when FUNCTION_APP_ID names the app. */
export function coverageReader(config: Config, azure: AzureClients): EventCoverageReader | null {
  if (config.inventory.source !== 'azure' || !config.functionAppId) return null;
  return new EventCoverageReader(
    new AzureRestReader(azure.credential, `${config.armEndpoint}/.default`, azure.pipeline('arm')),
    config.armEndpoint,
    config.functionAppId,
  );
}

export function inventorySource(config: Config, azure: AzureClients): InventorySource {
  if (config.inventory.source === 'file') return new FileInventory(config.inventory.path);
  return new AzureInventory({
    arm: new AzureRestReader(azure.credential, `${config.armEndpoint}/.default`, azure.pipeline('arm')),
    armEndpoint: config.armEndpoint,
    powerPlatform: new AzureRestReader(azure.credential, config.powerPlatformScope, azure.pipeline('powerplatform')),
    powerPlatformEndpoint: config.powerPlatformEndpoint,
    subscriptionIds: config.inventory.subscriptionIds,
  });
}

import type { PowerPlatformLocation } from '../scenario.js';

/** The Azure region a Power Platform geography's resources typically sit in. */
export const azureRegionOf: Record<PowerPlatformLocation, string> = {
  unitedstates: 'eastus',
  southafrica: 'southafricanorth',
  uk: 'uksouth',
  japan: 'japaneast',
  india: 'centralindia',
  france: 'francecentral',
  europe: 'westeurope',
  germany: 'germanywestcentral',
  switzerland: 'switzerlandnorth',
  canada: 'canadacentral',
  brazil: 'brazilsouth',
  australia: 'australiaeast',
  asia: 'southeastasia',
  uae: 'uaenorth',
  korea: 'koreacentral',
  norway: 'norwayeast',
  singapore: 'southeastasia',
  sweden: 'swedencentral',
};

/** What an admin does about a finding, in order: each step with where to do it and the command that does it. Pure data. */
import type { VaultType } from '../model.js';

/** Azure CLI commands are for a POSIX shell (bash, as in Cloud Shell); PowerShell ones for the Az and Power Apps modules. */
export type Shell = 'azure-cli' | 'powershell';

export interface RunbookCommand {
  shell: Shell;
  /** The command line, every value from Azure quoted for `shell`; plain text, one or more lines. */
  text: string;
}

export interface RunbookLink {
  label: string;
  /** An https URL, every value from Azure percent-encoded in it. */
  url: string;
}

export interface RunbookStep {
  text: string;
  /** Where to do it: the Azure portal or the Power Platform admin center. */
  link?: RunbookLink;
  /** The same from the command line, one per shell that has it. */
  commands?: RunbookCommand[];
}

export interface Runbook {
  steps: RunbookStep[];
}

/** What a runbook names of the chain a finding is about. */
export interface ChainFacts {
  policyId: string;
  policyName: string;
  /** The policy identity's object id: what a role assignment or an access policy names. */
  principalId: string;
  /** The vault's (or Managed HSM's) ARM id, as the policy references it. */
  vaultId: string;
  vaultName: string;
  vaultType: VaultType;
  /** How the vault grants access; null when the vault was not read, or for a Managed HSM (its own local RBAC). */
  permissionModel: 'rbac' | 'accessPolicies' | null;
  keyName: string;
  /** The version the policy uses; null when not known. */
  keyVersion: string | null;
  /** The newest version created before the one the policy uses; null when there is none or it is not known. */
  previousKeyVersion: string | null;
}

export interface RunbookContext {
  environmentId: string;
  /** The chain of the environment's policy as last read; null when not known. */
  chain: ChainFacts | null;
}

/** The steps of one rule, before the steps every finding of its severity gets. */
export type RuleRunbook = (context: RunbookContext) => RunbookStep[];

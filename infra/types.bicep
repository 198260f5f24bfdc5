@export()
@description('A Key Vault an enterprise policy uses, as `npm run infra:vaults` lists it.')
type monitoredVault = {
  @description('ARM resource id of the vault.')
  id: string
  location: string
  @description('true when the vault uses Azure RBAC, false for access policies.')
  rbac: bool
  @description('ARM id of the vault\'s existing Event Grid system topic, or empty: Azure allows one per source, so an existing one is reused.')
  systemTopicId: string
}

@export()
@description('A subscription holding monitored vaults.')
type vaultSubscription = {
  subscriptionId: string
  @description('ARM id of its existing Microsoft.Resources.Subscriptions system topic, or empty.')
  systemTopicId: string
}

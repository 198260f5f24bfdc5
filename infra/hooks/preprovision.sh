#!/bin/sh
# azd preprovision: lists the vaults the enterprise policies use into the azd environment, then checks that the
# signed-in account may deploy everything the template writes. Any failure stops azd before anything is deployed.
set -u
cd "$(dirname "$0")/../.."

fail() {
  echo "preprovision: $1; nothing was deployed." >&2
  exit 1
}

[ -n "${POLICY_SUBSCRIPTION_IDS:-}" ] ||
  fail 'POLICY_SUBSCRIPTION_IDS is not set: azd env set POLICY_SUBSCRIPTION_IDS <subscription id>[,<subscription id>...]'

npm run --silent infra:vaults -- --set || fail 'the vaults of the enterprise policies could not be listed'
# azd handed this hook the environment as it was before infra:vaults changed it.
MONITORED_VAULTS=$(azd env get-value MONITORED_VAULTS) || fail 'azd env get-value MONITORED_VAULTS failed'
VAULT_SUBSCRIPTIONS=$(azd env get-value VAULT_SUBSCRIPTIONS) || fail 'azd env get-value VAULT_SUBSCRIPTIONS failed'
export MONITORED_VAULTS VAULT_SUBSCRIPTIONS
npm run --silent infra:check-rights || fail 'the signed-in account lacks rights the deployment needs'

#!/bin/sh
# azd predown: removes what the monitor's deployment left outside its resource group (role assignments, access
# policies, event subscriptions), which azd down would not delete. If anything is left, azd down stops here, before
# the monitor's identity and resource group are gone.
set -u
cd "$(dirname "$0")/../.."

npm run --silent infra:teardown || {
  echo 'predown: what the monitor left outside its resource group could not all be removed (see above); nothing was deleted. Get the rights at the scopes listed, or remove what is listed by hand, then run azd down again.' >&2
  exit 1
}

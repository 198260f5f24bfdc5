#!/bin/sh
# azd predown: removes what the monitor's deployment left outside its resource group (role assignments, access
# policies, event subscriptions, diagnostic settings), which azd down would not delete, and lists what it leaves on
# purpose. If anything is left, azd down stops here, before the monitor's identity and resource group are gone.
# Once all is removed, WIRE_EVENTS goes back to false: the functions are about to go, and the next azd up must
# provision and deploy them before postdeploy subscribes them to Event Grid again (Event Grid refuses a subscription
# to a function that does not exist).
set -u
cd "$(dirname "$0")/../.."

npm run --silent infra:teardown || {
  echo 'predown: what the monitor left outside its resource group could not all be removed (see above); nothing was deleted. Get the rights at the scopes listed, or remove what is listed by hand, then run azd down again.' >&2
  exit 1
}
azd env set WIRE_EVENTS false || {
  echo 'predown: the teardown is done, but WIRE_EVENTS could not be set back to false, so nothing was deleted: run azd down again (the teardown finds nothing left), or azd env set WIRE_EVENTS false first.' >&2
  exit 1
}

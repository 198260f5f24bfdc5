#!/bin/sh
# azd postdeploy: Event Grid refuses a subscription to a function that is not deployed yet, so the first deployment
# provisions without them; now that the functions exist, turn WIRE_EVENTS on and provision again (which runs
# preprovision, and so the rights check, first). On failure WIRE_EVENTS goes back to false: the next azd up retries.
set -u
cd "$(dirname "$0")/../.."

[ "${WIRE_EVENTS:-}" = true ] && exit 0

azd env set WIRE_EVENTS true || exit 1
if ! WIRE_EVENTS=true azd provision --no-prompt; then
  azd env set WIRE_EVENTS false
  echo 'postdeploy: subscribing the functions to Event Grid failed; WIRE_EVENTS is false again, so the next azd up tries again.' >&2
  exit 1
fi

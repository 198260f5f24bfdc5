# azd predown on Windows: the same steps as predown.sh.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')

npm run --silent infra:teardown
if ($LASTEXITCODE -ne 0) {
  [Console]::Error.WriteLine('predown: what the monitor left outside its resource group could not all be removed (see above); nothing was deleted. Get the rights at the scopes listed, or remove what is listed by hand, then run azd down again.')
  exit 1
}
# Only once all is removed: the next azd up provisions and deploys before postdeploy wires the events again.
azd env set WIRE_EVENTS false
if ($LASTEXITCODE -ne 0) {
  [Console]::Error.WriteLine('predown: the teardown is done, but WIRE_EVENTS could not be set back to false, so nothing was deleted: run azd down again (the teardown finds nothing left), or azd env set WIRE_EVENTS false first.')
  exit 1
}

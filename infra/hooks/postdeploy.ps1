# azd postdeploy on Windows: the same steps as postdeploy.sh.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')

if ($env:WIRE_EVENTS -ceq 'true') { exit 0 }

azd env set WIRE_EVENTS true
if ($LASTEXITCODE -ne 0) { exit 1 }
$env:WIRE_EVENTS = 'true'
azd provision --no-prompt
if ($LASTEXITCODE -ne 0) {
  azd env set WIRE_EVENTS false
  [Console]::Error.WriteLine('postdeploy: subscribing the functions to Event Grid failed; WIRE_EVENTS is false again, so the next azd up tries again.')
  exit 1
}

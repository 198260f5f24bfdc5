# azd predown on Windows: the same step as predown.sh.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')

npm run --silent infra:teardown
if ($LASTEXITCODE -ne 0) {
  [Console]::Error.WriteLine('predown: what the monitor left outside its resource group could not all be removed (see above); nothing was deleted. Get the rights at the scopes listed, or remove what is listed by hand, then run azd down again.')
  exit 1
}

# azd preprovision on Windows: the same steps as preprovision.sh.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')

function Fail([string] $reason) {
  [Console]::Error.WriteLine("preprovision: $reason; nothing was deployed.")
  exit 1
}

if (-not $env:POLICY_SUBSCRIPTION_IDS) {
  Fail 'POLICY_SUBSCRIPTION_IDS is not set: azd env set POLICY_SUBSCRIPTION_IDS <subscription id>[,<subscription id>...]'
}

# '--' quoted: unquoted, PowerShell consumes it when npm is npm.ps1.
npm run --silent infra:vaults '--' --set
if ($LASTEXITCODE -ne 0) { Fail 'the vaults of the enterprise policies could not be listed' }
# azd handed this hook the environment as it was before infra:vaults changed it.
foreach ($name in 'MONITORED_VAULTS', 'VAULT_SUBSCRIPTIONS') {
  $value = (azd env get-value $name) -join "`n"
  if ($LASTEXITCODE -ne 0) { Fail "azd env get-value $name failed" }
  Set-Item -Path "env:$name" -Value $value
}
npm run --silent infra:check-rights
if ($LASTEXITCODE -ne 0) { Fail 'the signed-in account lacks rights the deployment needs' }

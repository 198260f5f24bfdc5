// Compiles and lints every Bicep template with the Bicep CLI from NuGet (no Azure CLI), then exits non-zero on
// any error or warning. The compiled ARM JSON lands in infra/.build/ for the template tests (infra/test/).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const infra = dirname(fileURLToPath(import.meta.url));
const version = '0.49.2';
const packages = join(infra, '.tools');
const build = join(infra, '.build');

function bicepCli() {
  if (process.env.BICEP) return process.env.BICEP;
  const cli = join(packages, 'azure.bicep.commandline.linux-x64', version, 'tools', 'bicep');
  if (!existsSync(cli)) {
    console.log(`Restoring the Bicep CLI ${version} from NuGet…`);
    execFileSync(
      'dotnet',
      ['restore', join(infra, 'tools', 'bicep.csproj'), '--packages', packages, '--verbosity', 'quiet'],
      { stdio: 'inherit' },
    );
  }
  chmodSync(cli, 0o755); // NuGet does not keep the executable bit.
  return cli;
}

/** Runs the CLI and returns its diagnostics: lines of the form `file(line,col) : Warning|Error CODE: text`. */
function diagnostics(cli, args) {
  let output;
  try {
    output = execFileSync(cli, args, {
      cwd: infra,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    });
  } catch (error) {
    output = `${error.stdout ?? ''}\n${error.stderr ?? ''}`;
    if (!/ : Error /.test(output)) throw error;
  }
  return output.split('\n').filter((line) => / : (Warning|Error) /.test(line));
}

const cli = bicepCli();
rmSync(build, { recursive: true, force: true });
const found = [
  ...diagnostics(cli, ['build', '--pattern', '**/*.bicep', '--outdir', build]),
  ...diagnostics(cli, ['lint', '--pattern', '**/*.bicep']),
];
const unique = [...new Set(found)];
const errors = unique.filter((line) => / : Error /.test(line)).length;
const warnings = unique.length - errors;
for (const line of unique) console.log(line);
console.log(`Bicep ${version}: every infra/**/*.bicep built and linted, ${errors} errors, ${warnings} warnings`);
process.exit(unique.length ? 1 : 0);

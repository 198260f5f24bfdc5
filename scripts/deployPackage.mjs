// The deployment package, as Azure runs it: dist/ compiled from functions/ and shared/ only (tsconfig.build.json),
// host.json, package.json, package-lock.json and the production dependencies, less what the root .funcignore
// excludes; and .deploy/.funcignore, the ignore file azd applies when it zips the folder (see deployIgnore).
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * .deploy/.funcignore. `azd deploy` zips .deploy/ less what the .funcignore at its root excludes (Azure/azure-dev@ae35809f
 * cli/azd/pkg/project/project_utils.go:34), matched by go-gitignore rather than git. The folder already holds only
 * what the root .funcignore keeps (git's matching, when it is built), so this one excludes nothing: the zip is the
 * folder, dist/ and node_modules included. azd leaves this file, any .azure folder and local.settings.json out by
 * itself (project_utils.go:63-76).
 */
export const deployIgnore = [
  '# Written by scripts/deployPackage.mjs (npm run build); rebuilt with the folder, so do not edit it here.',
  '# azd zips .deploy/ less what this file excludes (Azure/azure-dev@ae35809f cli/azd/pkg/project/project_utils.go:34).',
  '# The root .funcignore already chose what is in this folder, so nothing more is excluded: dist/, node_modules,',
  '# host.json, package.json and package-lock.json all go into the zip. azd leaves out this file itself, any .azure',
  '# folder and local.settings.json (project_utils.go:63-76).',
  '',
].join('\n');

/**
 * Builds the package into `target` and returns the files it holds, relative to it. `target` is removed first, so a
 * failed build leaves no package behind to be deployed. `includeDev` installs the devDependencies too, only to
 * compare sizes.
 */
export function buildDeployPackage(target, { includeDev = false, log = () => {} } = {}) {
  rmSync(target, { recursive: true, force: true });
  const stage = mkdtempSync(join(tmpdir(), 'cmk-stage-'));
  try {
    log('Building with tsconfig.build.json');
    run(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')],
      root,
    );
    for (const file of ['host.json', 'package.json', 'package-lock.json', '.funcignore'])
      copyFileSync(join(root, file), join(stage, file));

    log(`Installing ${includeDev ? 'every dependency' : 'production dependencies only'}`);
    const [npm, ...npmArgs] = npmCommand();
    run(
      npm,
      [
        ...npmArgs,
        'ci',
        includeDev ? '--include=dev' : '--omit=dev',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
      ],
      stage,
    );

    log('Keeping what .funcignore keeps');
    const files = keptFiles(stage);
    for (const file of files) copyEntry(join(stage, file), join(target, file));
    writeFileSync(join(target, '.funcignore'), deployIgnore);
    return [...files, '.funcignore'].sort();
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export function run(command, args, cwd, env = process.env, what = `${command} ${args.join(' ')}`) {
  try {
    return execFileSync(command, args, {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(`${what} exited with ${error.status}\n${error.stdout ?? ''}${error.stderr ?? ''}`, {
      cause: error,
    });
  }
}

/**
 * The npm that runs this script when it runs under `npm run` (npm_execpath, with this node), else npm from PATH. On
 * Windows npm from PATH is npm.cmd, which Node no longer starts without a shell; under `npm run`, as azd runs it, the
 * first form needs none.
 */
function npmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /\.[cm]?js$/.test(execPath)) return [process.execPath, execPath];
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm'];
}

/** The files of `directory` that .funcignore does not exclude, read with git's own gitignore matching. */
function keptFiles(directory) {
  run('git', ['init', '-q', '--template='], directory);
  const listed = run('git', ['ls-files', '--others', '--exclude-from=.funcignore', '-z'], directory);
  rmSync(join(directory, '.git'), { recursive: true, force: true });
  return listed.split('\0').filter(Boolean).sort();
}

function copyEntry(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else copyFileSync(from, to);
}

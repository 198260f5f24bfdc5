// The deployment package, as Azure runs it: dist/ compiled from functions/ and shared/ only (tsconfig.build.json),
// host.json, package.json, package-lock.json and the production dependencies, less what .funcignore excludes.
import { execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * Builds the package into `target` (emptied first) and returns the files it holds, relative to it.
 * `includeDev` installs the devDependencies too, only to compare sizes.
 */
export function buildDeployPackage(target, { includeDev = false, log = () => {} } = {}) {
  const stage = mkdtempSync(join(tmpdir(), 'cmk-stage-'));
  try {
    log('Building with tsconfig.build.json');
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')], root);
    for (const file of ['host.json', 'package.json', 'package-lock.json', '.funcignore']) copyFileSync(join(root, file), join(stage, file));

    log(`Installing ${includeDev ? 'every dependency' : 'production dependencies only'}`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    run(npm, ['ci', includeDev ? '--include=dev' : '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], stage);

    log('Keeping what .funcignore keeps');
    const files = keptFiles(stage);
    rmSync(target, { recursive: true, force: true });
    for (const file of files) copyEntry(join(stage, file), join(target, file));
    return files;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export function run(command, args, cwd, env = process.env, what = `${command} ${args.join(' ')}`) {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    throw new Error(`${what} exited with ${error.status}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

/** The files of `directory` that .funcignore does not exclude, read with git's own gitignore matching. */
function keptFiles(directory) {
  run('git', ['init', '-q'], directory);
  const listed = run('git', ['ls-files', '--others', '--exclude-from=.funcignore', '-z'], directory);
  rmSync(join(directory, '.git'), { recursive: true, force: true });
  return listed.split('\0').filter(Boolean).sort();
}

function copyEntry(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else copyFileSync(from, to);
}

// npm run package:check [-- --head] [-- --include-dev] [-- --keep]
// Follows what `azd deploy` (and `azd up`) does with this repository on a fresh clone, step by step as azd's source
// does it (scripts/azd.mjs cites each step in Azure/azure-dev@ae35809f), then loads the zip it would upload as the
// Functions worker loads it, and fails if any step would fail in azd or the app would not start:
//   1. a fresh copy of the repository in a temporary folder: by default the working tree's files that git would
//      commit (`git ls-files --cached --others --exclude-standard`, as they are on disk: edits and new files not yet
//      committed included, ignored files such as node_modules, dist/ and .deploy/ left out), so a run before a commit
//      tests what is about to be committed; --head: `git clone` of HEAD, committed files only;
//   2. azd's restore: `npm install --no-audit --no-fund --prefer-offline` (from the warm npm cache);
//   3. azd's package step: `npm run build --if-present`, then <project>/<dist> from azure.yaml (.deploy/) must exist
//      and hold something, else azd's own error; the remoteBuild setting checked against the root .funcignore;
//   4. the zip azd builds from .deploy/ (less .deploy/.funcignore's exclusions, .azure, .funcignore,
//      local.settings.json; links followed; files at the root), extracted into site/;
//   5. from site/, with no app settings: the entry loaded as the Functions worker loads it (median of 5 fresh
//      processes), every expected function registered, then every module of dist/ imported (the mail transports load
//      on first use, so the entry alone would not notice their packages missing);
//   6. .deploy/ taken away: the package step must fail with azd's error;
//   7. prints the package's size, the import time and how long each step took.
// --include-dev builds the package with the devDependencies (npm run build -- --include-dev), only to compare sizes.
// --keep leaves the temporary folder in place and prints where.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  azdCommands,
  azdCommit,
  dependenciesUpToDate,
  extractZip,
  ignoreFile,
  packageSource,
  packageSourceMissing,
  readServices,
  resolveRemoteBuild,
  runCommand,
  writeZip,
  zipEntries,
} from './azd.mjs';
import { root, run } from './deployPackage.mjs';

/** Every function functions/definitions.ts registers; a package that registers fewer (or others) fails the check. */
const expectedFunctions = [
  'expiryScan',
  'alertDelivery',
  'alertDigest',
  'retention',
  'keyVaultEvents',
  'resourceEvents',
  'keyVaultAuditEvents',
  'health',
  'environments',
  'environment',
  'scan',
  'alerts',
  'dashboard',
  'whatIf',
  'testAlert',
];

const includeDev = process.argv.includes('--include-dev');
const keep = process.argv.includes('--keep');
const fromHead = process.argv.includes('--head');
const importRuns = 5;
const timings = [];

const work = mkdtempSync(join(tmpdir(), 'cmk-package-'));
const clone = join(work, 'repo');
const site = join(work, 'site');
const started = performance.now();
try {
  timed(fromHead ? 'git clone of HEAD' : 'copy of the working tree', () => {
    step(fromHead ? 'Cloning HEAD (committed files only)' : "Copying the working tree's files that git would commit");
    console.log(`  ${fromHead ? cloneHead() : copyWorkingTree()}`);
  });

  const [serviceName, service] = theService(readServices(clone));
  const project = join(clone, service.project ?? '.');
  console.log(
    `  azure.yaml: service ${serviceName}, project ${service.project}, language ${service.language}, host ${service.host}, dist ${service.dist}, remoteBuild ${service.remoteBuild}`,
  );

  timed('npm install (azd restore)', () => {
    if (dependenciesUpToDate(project)) {
      step('azd would skip its restore: node_modules/.package-lock.json is not older than package-lock.json');
    } else {
      step(`azd restore: ${azdCommands.restore.join(' ')}`);
      runCommand(azdCommands.restore, project);
    }
  });

  timed('npm run build (azd package)', () => {
    const build = includeDev ? [...azdCommands.build, '--', '--include-dev'] : azdCommands.build;
    step(`azd package: ${build.join(' ')}`);
    console.log(indent(runCommand(build, project)));
  });

  const deploy = packageSource(project, service.dist);
  step(`azd remote build check against ${service.project}/${ignoreFile}`);
  const remoteBuild = resolveRemoteBuild(project, service.remoteBuild);
  if (remoteBuild)
    throw new Error(
      `azd would ask Azure for a remote build (remoteBuild ${service.remoteBuild}); the package is built here to be run as it is`,
    );

  const zipFile = join(work, 'package.zip');
  const { entries, zipBytes } = timed('zip as azd builds it', () => {
    step(`azd zip of ${service.dist}/, as ${azdCommit} builds it`);
    const entries = zipEntries(deploy, { remoteBuild: service.remoteBuild });
    return { entries, zipBytes: writeZip(entries, zipFile) };
  });
  const left = leftOutOfZip(deploy, entries);
  if (left.some((file) => file !== ignoreFile))
    throw new Error(`azd's zip would leave out files of ${service.dist}/: ${left.join(', ')}`);

  timed('extract into site/', () => {
    step('Extracting the zip into site/, as the host unpacks it');
    extractZip(zipFile, site);
  });
  const main = checkSite(site);

  const reports = timed(`load, ${importRuns} fresh processes`, () => {
    step('Loading the entry as the Functions worker does, with no app settings');
    return Array.from({ length: importRuns }, () => loadEntry(site));
  });
  const registered = reports[0].functions.map((f) => f.name);
  const missing = expectedFunctions.filter((name) => !registered.includes(name));
  const unexpected = registered.filter((name) => !expectedFunctions.includes(name));
  if (missing.length)
    throw new Error(`the package registers ${registered.length} functions; missing: ${missing.join(', ')}`);
  if (unexpected.length)
    throw new Error(
      `the package registers functions this check does not expect: ${unexpected.join(', ')} (add them to expectedFunctions in scripts/package-check.mjs)`,
    );

  const modules = timed('import every module', () => {
    step('Importing every module of dist/');
    return importEveryModule(site);
  });

  step(`Without ${service.dist}/ after the build, azd's package step must fail`);
  const failure = withoutFolder(deploy, () => {
    try {
      packageSource(project, service.dist);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  });
  if (failure !== packageSourceMissing(deploy))
    throw new Error(
      `with ${service.dist}/ missing the package step ${failure === null ? 'passed' : `failed otherwise: ${failure}`}`,
    );

  const bytes = entries.reduce((total, entry) => total + entry.size, 0);
  console.log(
    `\nPackage (the zip azd uploads): dist/, host.json, package.json, package-lock.json, node_modules ${includeDev ? 'with' : 'without'} devDependencies`,
  );
  console.log(
    `  ${entries.length.toLocaleString('en')} files, ${megabytes(bytes)} unpacked, ${megabytes(zipBytes)} zipped`,
  );
  console.log(
    `Entry ${main}: ${registered.length} functions registered, all ${expectedFunctions.length} expected (${registered.join(', ')})`,
  );
  console.log(
    `  import, median of ${importRuns} fresh processes: ${median(reports.map((r) => r.importMs)).toFixed(0)} ms wall, ${median(reports.map((r) => r.importCpuMs)).toFixed(0)} ms CPU`,
  );
  console.log(`Every module of dist/ imports (${modules}).`);
  console.log(`Without ${service.dist}/ the package step fails as azd does: ${failure}`);
  console.log(
    `Steps: ${timings.map(([name, ms]) => `${name} ${seconds(ms)}`).join(', ')}; total ${seconds(performance.now() - started)}`,
  );
  if (keep) console.log(`Kept in ${work}`);
} catch (error) {
  console.error(`\npackage:check failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  if (!keep) {
    const at = performance.now();
    remove(work);
    console.log(`Removed the temporary folder (${seconds(performance.now() - at)}).`);
  }
}

/** rm -rf where there is one: several times faster than rmSync on the 70,000 files of a full node_modules. */
function remove(directory) {
  if (process.platform !== 'win32') {
    try {
      execFileSync('rm', ['-rf', directory], { stdio: 'ignore' });
      return;
    } catch {
      // rmSync below
    }
  }
  rmSync(directory, { recursive: true, force: true });
}

function step(message) {
  console.log(`- ${message}`);
}

function timed(name, action) {
  const at = performance.now();
  const result = action();
  timings.push([name, performance.now() - at]);
  return result;
}

function cloneHead() {
  execFileSync('git', ['clone', '-q', '--no-hardlinks', root, clone], { stdio: ['ignore', 'ignore', 'pipe'] });
  const head = git(['rev-parse', '--short', 'HEAD'], root).trim();
  const changes = git(['status', '--porcelain'], root).split('\n').filter(Boolean).length;
  return `HEAD ${head}${changes ? `; ${changes} uncommitted changes of the working tree are NOT included` : ''}`;
}

function copyWorkingTree() {
  const listed = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
    .split('\0')
    .filter(Boolean);
  let copied = 0;
  for (const file of new Set(listed)) {
    const from = join(root, file);
    let stat;
    try {
      stat = lstatSync(from);
    } catch {
      continue; // deleted in the working tree, not yet committed
    }
    const to = join(clone, file);
    mkdirSync(dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
    copied += 1;
  }
  const changes = git(['status', '--porcelain'], root).split('\n').filter(Boolean).length;
  return `${copied} files at ${git(['rev-parse', '--short', 'HEAD'], root).trim()}${changes ? ` with the ${changes} uncommitted changes of the working tree` : ', no uncommitted change'}`;
}

function git(args, cwd) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The one service of azure.yaml, which must be a TypeScript function app. */
function theService(services) {
  const named = Object.entries(services);
  if (named.length !== 1) throw new Error(`azure.yaml has ${named.length} services; this check knows one`);
  const [name, service] = named[0];
  if (service.language !== 'ts' && service.language !== 'js')
    throw new Error(`azure.yaml: service ${name} has language ${service.language}, not ts`);
  if (service.host !== 'function')
    throw new Error(`azure.yaml: service ${name} has host ${service.host}, not function`);
  return [name, service];
}

/** The files of `directory` (as npm left them, links not followed) that are not among the zip's entries. */
function leftOutOfZip(directory, entries) {
  const zipped = new Set(entries.map((entry) => entry.name));
  return listFiles(directory)
    .map((file) =>
      file
        .slice(directory.length + 1)
        .split('\\')
        .join('/'),
    )
    .filter((name) => !zipped.has(name));
}

/** What the host needs at the root of the package; returns the entry package.json names. */
function checkSite(directory) {
  for (const file of ['host.json', 'package.json']) {
    if (!existsSync(join(directory, file))) throw new Error(`the zip has no ${file} at its root`);
  }
  const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  if (!existsSync(join(directory, manifest.main)))
    throw new Error(`the zip has no ${manifest.main}, the entry package.json names`);
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    if (!existsSync(join(directory, 'node_modules', name, 'package.json')))
      throw new Error(`the zip has no node_modules/${name}`);
  }
  if (!includeDev) {
    // Dev-only is what the lockfile marks "dev": a devDependency a production package also needs (@types/node, which
    // protobufjs lists among its dependencies) belongs in the zip.
    const { packages } = JSON.parse(readFileSync(join(directory, 'package-lock.json'), 'utf8'));
    const dev = Object.keys(manifest.devDependencies ?? {}).filter(
      (name) => packages[`node_modules/${name}`]?.dev && existsSync(join(directory, 'node_modules', name)),
    );
    if (dev.length) throw new Error(`the zip holds devDependencies: ${dev.join(', ')}`);
  }
  return manifest.main;
}

/** Runs `action` with `directory` moved aside, then puts it back. */
function withoutFolder(directory, action) {
  const aside = `${directory}.aside`;
  renameSync(directory, aside);
  try {
    return action();
  } finally {
    renameSync(aside, directory);
  }
}

function loadEntry(directory) {
  const output = run(process.execPath, [join(root, 'test/support/loadApp.mjs'), directory], directory, {});
  return JSON.parse(output.trimEnd().split('\n').at(-1));
}

/** Imports every .js file of dist/ in one fresh process with the core module in place; returns how many. */
function importEveryModule(directory) {
  const functionsCore = pathToFileURL(join(root, 'test/support/functionsCore.mjs')).href;
  const modules = listFiles(join(directory, 'dist')).filter((file) => file.endsWith('.js'));
  const script = [
    `const { installFunctionsCore } = await import(${JSON.stringify(functionsCore)});`,
    'installFunctionsCore();',
    'for (const file of process.argv.slice(1)) await import(file);',
  ].join('\n');
  const urls = modules.map((file) => pathToFileURL(file).href);
  run(
    process.execPath,
    ['--input-type=module', '-e', script, ...urls],
    directory,
    {},
    'Importing every module of dist/',
  );
  return modules.length;
}

function listFiles(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

function indent(text) {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function megabytes(bytes) {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

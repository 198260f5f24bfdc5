// npm run package:check [-- --include-dev] [-- --keep]
// Builds the deploy package as production runs it and fails if the app cannot load from it:
//   1-3. the package `npm run package` makes (scripts/deployPackage.mjs), in a temporary site/ (--include-dev:
//        with the devDependencies, to compare sizes), zipped as a zip deploy would ship it;
//   4. from site/, with no app settings: the entry loaded as the Functions worker loads it (median of 5 fresh
//      processes), then every module of dist/ (the mail transports load on first use, so the entry alone
//      would not notice their packages missing);
//   5. prints the package's size and the import time.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDeployPackage, root, run } from './deployPackage.mjs';

const loadApp = join(root, 'test/support/loadApp.mjs');
const functionsCore = pathToFileURL(join(root, 'test/support/functionsCore.mjs')).href;
const includeDev = process.argv.includes('--include-dev');
const keep = process.argv.includes('--keep');
const importRuns = 5;

const work = mkdtempSync(join(tmpdir(), 'cmk-package-'));
const site = join(work, 'site');
try {
  const files = buildDeployPackage(site, { includeDev, log: step });
  const bytes = files.reduce((total, file) => total + lstatSync(join(site, file)).size, 0);
  const zipBytes = zip(site, files, join(work, 'package.zip'));

  step('Loading the entry as the Functions worker does, with no app settings');
  const reports = Array.from({ length: importRuns }, () => loadEntry(site));
  step('Importing every module of dist/');
  const modules = importEveryModule(site);

  const { functions } = reports[0];
  console.log(`\nPackage: dist/, host.json, package.json, package-lock.json, node_modules ${includeDev ? 'with' : 'without'} devDependencies`);
  console.log(`  ${files.length.toLocaleString('en')} files, ${megabytes(bytes)} unpacked${zipBytes === null ? ' (no zip command to measure the zip)' : `, ${megabytes(zipBytes)} zipped`}`);
  console.log(`Entry ${JSON.parse(readFileSync(join(site, 'package.json'), 'utf8')).main}: ${functions.length} functions registered (${functions.map((f) => f.name).join(', ')})`);
  console.log(`  import, median of ${importRuns} fresh processes: ${median(reports.map((r) => r.importMs)).toFixed(0)} ms wall, ${median(reports.map((r) => r.importCpuMs)).toFixed(0)} ms CPU`);
  console.log(`Every module of dist/ imports (${modules}).`);
  if (keep) console.log(`Kept in ${work}`);
} catch (error) {
  console.error(`\npackage:check failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}

function step(message) {
  console.log(`- ${message}`);
}

/** The zip's size in bytes, or null without a zip command. */
function zip(directory, files, archive) {
  try {
    execFileSync('zip', ['-q', '-X', '-y', archive, '-@'], { cwd: directory, input: files.join('\n'), stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
  return lstatSync(archive).size;
}

function loadEntry(directory) {
  const output = run(process.execPath, [loadApp, directory], directory, {});
  return JSON.parse(output.trimEnd().split('\n').at(-1));
}

/** Imports every .js file of dist/ in one fresh process with the core module in place; returns how many. */
function importEveryModule(directory) {
  const modules = listFiles(join(directory, 'dist')).filter((file) => file.endsWith('.js'));
  const script = [
    `const { installFunctionsCore } = await import(${JSON.stringify(functionsCore)});`,
    'installFunctionsCore();',
    'for (const file of process.argv.slice(1)) await import(file);',
  ].join('\n');
  const urls = modules.map((file) => pathToFileURL(file).href);
  run(process.execPath, ['--input-type=module', '-e', script, ...urls], directory, {}, 'Importing every module of dist/');
  return modules.length;
}

function listFiles(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function megabytes(bytes) {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

// Loads a function app the way the Azure Functions Node.js worker does: the core module first, then import() of
// the file package.json "main" names. Prints one JSON line: how long the import took (wall and CPU), the programming model and
// the metadata of every function registered. An import that throws ends the process with that error.
//   node test/support/loadApp.mjs <app directory>
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { installFunctionsCore } from './functionsCore.mjs';

const appDirectory = resolve(process.argv[2] ?? '.');
const { main } = JSON.parse(await readFile(resolve(appDirectory, 'package.json'), 'utf8'));
const recorded = installFunctionsCore();

const started = performance.now();
const cpu = process.cpuUsage();
await import(pathToFileURL(resolve(appDirectory, main)).href);
const importMs = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);

const report = {
  importMs,
  importCpuMs: (user + system) / 1000,
  programmingModels: recorded.programmingModels,
  functions: recorded.functions.map(({ metadata, callback }) => ({ ...metadata, handler: typeof callback })),
  hooks: recorded.hooks.map(({ hookName }) => hookName),
};
process.stdout.write(`\n${JSON.stringify(report)}\n`);

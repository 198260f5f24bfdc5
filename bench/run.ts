/**
 * npm run bench [-- --quick] — every part in turn, each in a process of its own, with the arguments given. A part that
 * fails does not stop the ones after it; the run exits non-zero when any part did.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { relative } from 'node:path';
import { compile, instance } from './instance.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const allParts = ['scan', 'events', 'flood', 'import', 'audit'];
/** BENCH_PARTS=scan,audit runs only those. */
const parts = process.env.BENCH_PARTS?.split(',').map((part) => part.trim()) ?? allParts;
const unknown = parts.filter((part) => !allParts.includes(part));
if (unknown.length)
  throw new Error(`BENCH_PARTS names no part ${unknown.join(', ')}: the parts are ${allParts.join(', ')}`);
const args = process.argv.slice(2);

const runStarted = performance.now();
const results: { part: string; exit: number | string; seconds: number }[] = [];
for (const part of parts) {
  const started = performance.now();
  const exit = await runPart(part).catch((error: unknown) => (error as Error).message);
  results.push({ part, exit, seconds: (performance.now() - started) / 1000 });
}

const failed = results.filter((result) => result.exit !== 0);
console.log(
  `\nbench${args.length ? ` ${args.join(' ')}` : ''}: ` +
    results
      .map(({ part, exit, seconds }) => `${part} ${exit === 0 ? 'ok' : `FAILED (${exit})`} in ${seconds.toFixed(1)} s`)
      .join(', ') +
    `; ${failed.length ? `${failed.length} of ${parts.length} parts failed` : 'every part ran to the end'}; total ${((performance.now() - runStarted) / 1000).toFixed(1)} s`,
);
process.exitCode = failed.length ? 1 : 0;

/** Runs one part; its exit code, or why it did not run. */
async function runPart(part: string): Promise<number | string> {
  const script = fileURLToPath(new URL(`./${part}.bench.ts`, import.meta.url));
  // The scan part measures the monitor's memory: it runs as on the instance (bench/instance.ts). The others measure
  // latency and run the TypeScript as it is.
  const compiled = part === 'scan' ? compile()(relative(root, script)) : null;
  const where = compiled ? instance() : null;
  if (where) console.log(`\n${part}: compiled JavaScript, in ${where.describe}`);
  const { file, args: argv } =
    compiled && where
      ? where.command(['--expose-gc'], compiled, args)
      : { file: process.execPath, args: ['--expose-gc', '--import', 'tsx', script, ...args] };
  return new Promise((resolve) => {
    const child = spawn(file, argv, { stdio: 'inherit' });
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (code, signal) => {
      where?.remove();
      resolve(code ?? signal ?? 'no exit code');
    });
  });
}

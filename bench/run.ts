/**
 * npm run bench [-- --quick] — every part in turn, each in a process of its own, with the arguments given. A part that
 * fails does not stop the ones after it; the run exits non-zero when any part did.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const parts = ['scan', 'events', 'flood', 'import', 'audit'];
const args = process.argv.slice(2);

const runStarted = performance.now();
const results: { part: string; exit: number | string; seconds: number }[] = [];
for (const part of parts) {
  const started = performance.now();
  const exit = await new Promise<number | string>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL(`./${part}.bench.ts`, import.meta.url)), ...args],
      { stdio: 'inherit' },
    );
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'no exit code'));
  });
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

/**
 * npx tsx bench/import.bench.ts [runs] [--quick] — how long the compiled entry takes to import, as the Functions worker
 * loads it, against the entry as it was before the mail transports were loaded on first use (both transports imported
 * with it). Each run is a fresh node process; the two variants alternate, and the medians are compared. 10 runs by
 * default, 2 with --quick.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildProductionApp, loadApp, type LoadReport } from '../test/support/productionApp.js';
import { quick } from './quick.js';

const runs = Number(process.argv.slice(2).find((arg) => /^[1-9]\d*$/.test(arg)) ?? (quick ? 2 : 10));

const app = await buildProductionApp();
const eager = await buildEagerVariant(app.directory);
try {
  const lazy: LoadReport[] = [];
  const before: LoadReport[] = [];
  for (let run = 0; run < runs; run++) {
    lazy.push(await load(app.directory));
    before.push(await load(eager));
  }
  const ms = (values: number[]) => `${median(values).toFixed(0)} ms`.padStart(9);
  const row = (label: string, reports: LoadReport[]) =>
    `${label.padEnd(42)}${ms(reports.map((r) => r.importMs))}${ms(reports.map((r) => r.importCpuMs))}`;
  console.log(`Import of dist/functions/index.js, median of ${runs} fresh processes each`);
  console.log(`${''.padEnd(42)}${'wall'.padStart(9)}${'CPU'.padStart(9)}`);
  console.log(row('mail transports loaded on first use', lazy));
  console.log(row('mail transports loaded with the entry', before));
  const ratio = (pick: (r: LoadReport) => number) => (median(lazy.map(pick)) / median(before.map(pick))).toFixed(2);
  console.log(`ratio (now / before): wall ${ratio((r) => r.importMs)}, CPU ${ratio((r) => r.importCpuMs)}`);
} finally {
  await app.remove();
}

/** The same dist/, with an entry that imports both transports before the real one, as the static imports did. */
async function buildEagerVariant(directory: string): Promise<string> {
  const variant = join(directory, 'eager');
  await mkdir(variant);
  await Promise.all(
    ['dist', 'node_modules', 'host.json'].map((name) => symlink(join(directory, name), join(variant, name))),
  );
  await writeFile(join(variant, 'package.json'), JSON.stringify({ type: 'module', main: 'eager.js' }));
  await writeFile(
    join(variant, 'eager.js'),
    [
      "import './dist/shared/adapters/mail/acsTransport.js';",
      "import './dist/shared/adapters/mail/smtpTransport.js';",
      "import './dist/functions/index.js';",
    ].join('\n'),
  );
  return variant;
}

async function load(directory: string): Promise<LoadReport> {
  const result = await loadApp(directory);
  if (!result.ok) throw new Error(`${directory} failed to load:\n${result.stderr}`);
  return result.report;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

// Prints vitest's JSON reports, and the exit codes of checks that are not test runs, as one line:
// "N passed, N failed". A missing report (the run failed before any test: install, typecheck, Bicep) counts as one
// failure; so does a check that exited non-zero (a passing check adds one pass).
//   node .ci/summary.mjs [--checks name=code,...] report.json...
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let passed = 0;
let failed = 0;
const checksAt = args.indexOf('--checks');
const checks = checksAt === -1 ? [] : args.splice(checksAt, 2)[1].split(',').filter(Boolean);
for (const check of checks) {
  if (check.endsWith('=0')) passed += 1;
  else failed += 1;
}
for (const file of args) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests + (report.success || report.numFailedTests ? 0 : 1);
  } catch {
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);

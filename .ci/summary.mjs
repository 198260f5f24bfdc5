// Prints vitest's JSON report as one line: "N passed, N failed".
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 1;
try {
  const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.success || report.numFailedTests ? 0 : 1);
} catch {
  // No report: the run failed before any test (install, typecheck); count that as one failure.
}
console.log(`${passed} passed, ${failed} failed`);

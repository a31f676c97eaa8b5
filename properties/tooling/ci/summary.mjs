// Reads vitest's JSON report and prints the plain counts line CI looks for. Each further
// argument `name=status` is one more check (the linters) counted as passed when status is 0.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/vitest.json';
const extra = process.argv.slice(3).map((a) => {
  const [name, status] = a.split('=');
  return { name, ok: status === '0' };
});
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`kfmd: cannot read the test report ${file}: ${err instanceof Error ? err.message : String(err)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
for (const e of extra) if (!e.ok) console.log(`kfmd: ${e.name} failed (see its output above)`);
const passed = (report.numPassedTests ?? 0) + extra.filter((e) => e.ok).length;
const failed =
  (report.numFailedTests ?? 0) +
  (report.numFailedTestSuites ?? 0) -
  countSuitesWithFailedTests(report) +
  extra.filter((e) => !e.ok).length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);

// a suite that failed to load counts as a failure; one that merely holds failed tests does not count twice
function countSuitesWithFailedTests(r) {
  return (r.testResults ?? []).filter(
    (s) => s.status === 'failed' && (s.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
}

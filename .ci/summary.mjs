// Prints the closing lines of the CI runs: each failed file or test with its first error, and
// "tests: N passed, N failed". A run can fail with every test passing (a hook that failed, an
// unhandled error); that is said too, so the tail of the CI log always names the cause.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`${file}: missing (the run did not finish)`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  console.log(
    `${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ` +
      `${report.numFailedTestSuites} failed files or blocks`,
  );
  for (const result of report.testResults ?? []) {
    if (result.status === 'failed' && result.message) {
      console.log(`  file ${result.name}: ${result.message.split('\n').slice(0, 3).join(' | ')}`);
    }
    for (const test of result.assertionResults ?? []) {
      if (test.status === 'failed') {
        const why = (test.failureMessages ?? [''])[0].split('\n')[0];
        console.log(`  test ${result.name} > ${test.fullName}: ${why}`);
      }
    }
  }
  // vitest's JSON can say success while the process exits 1 on an unhandled error, so the exit
  // code each suite left next to its report (.ci/run writes <name>.exit) decides too.
  const exitFile = file.replace(/\.json$/, '.exit');
  const exitCode = existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() : '0';
  if ((report.success === false || exitCode !== '0') && report.numFailedTests === 0) {
    console.log(
      `  the run failed (exit code ${exitCode}) with no failed test: a failed hook or an ` +
        "unhandled error (search the log above for 'Unhandled Error')",
    );
    failed += 1;
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numTotalTestSuites === 0 ? 1 : 0);
}
console.log(`tests: ${passed} passed, ${failed} failed`);

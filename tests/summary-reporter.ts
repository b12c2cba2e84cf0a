import type { Reporter, TestModule } from 'vitest/node'

/**
 * Closes every run with one plain line, `N passed, N failed, N skipped`, that CI reads whatever the
 * runner's own summary looks like. Under CI a skipped test fails the run: CI has every browser and database
 * the suites need, so a skip there means a test silently did not run.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const counts = { passed: 0, failed: 0, skipped: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') counts.passed++
        else if (state === 'failed') counts.failed++
        else counts.skipped++
      }
    }
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`)
    if (process.env.CI && counts.skipped > 0) {
      console.error(`CI: ${counts.skipped} test(s) skipped; every suite must run in CI`)
      process.exitCode = 1
    }
  }
}

// A Jasmine helper: when npm test sets SPEC_COUNTS_FILE, the run's counts are written there as JSON, so the
// summary reads numbers instead of parsing the console reporter's text.
import { writeFileSync } from 'node:fs';

const file = process.env['SPEC_COUNTS_FILE'];
if (file) {
  const counts = { passed: 0, failed: 0, pending: 0 };
  // Why specs were skipped (say, "PostgreSQL does not answer"), once each, for the summary line.
  const reasons = new Set<string>();
  jasmine.getEnv().addReporter({
    specDone: (result) => {
      if (result.status === 'passed') counts.passed++;
      else if (result.status === 'failed') counts.failed++;
      else if (result.status === 'pending') {
        counts.pending++;
        if (result.pendingReason) reasons.add(result.pendingReason);
      }
    },
    jasmineDone: (result) => {
      // A failure outside any spec (in a beforeAll, say) fails the run without failing a spec: count it too.
      const outside = result.overallStatus === 'failed' && counts.failed === 0 ? 1 : 0;
      writeFileSync(file, JSON.stringify({ ...counts, failed: counts.failed + outside, reasons: [...reasons] }));
    },
  });
}

// Karma runs the unit specs in the system's headless Chrome or Chromium; it never downloads a browser.
const { writeFileSync } = require('node:fs');
const { systemChromium, CHROMIUM_FLAGS } = require('./system-chromium');

process.env.CHROME_BIN = systemChromium();

// When npm test sets SPEC_COUNTS_FILE, the run's counts are written there as JSON, so the summary reads numbers
// instead of parsing the console. Specs that never ran (a crash, a disconnect) are the total's remainder.
function CountsReporter() {
  this.onRunComplete = (browsers) => {
    const file = process.env.SPEC_COUNTS_FILE;
    if (!file) return;
    const counts = { total: 0, passed: 0, failed: 0, skipped: 0 };
    browsers.forEach(({ lastResult }) => {
      counts.total += lastResult.total;
      counts.passed += lastResult.success;
      counts.failed += lastResult.failed + (lastResult.error || lastResult.disconnected ? 1 : 0);
      counts.skipped += lastResult.skipped;
    });
    writeFileSync(file, JSON.stringify(counts));
  };
}

module.exports = function (config) {
  config.set({
    frameworks: ['jasmine'],
    plugins: [require('karma-jasmine'), require('karma-chrome-launcher'), { 'reporter:counts': ['type', CountsReporter] }],
    client: { jasmine: { random: true }, clearContext: false },
    reporters: ['dots', 'counts'],
    browsers: ['ChromiumHeadlessNoSandbox'],
    // CI runs as root, where Chromium refuses to start without --no-sandbox.
    customLaunchers: { ChromiumHeadlessNoSandbox: { base: 'ChromeHeadless', flags: CHROMIUM_FLAGS } },
    singleRun: true,
    restartOnFileChange: false,
  });
};

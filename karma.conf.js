// Karma runs the unit specs in the system's headless Chrome or Chromium. It never downloads a browser.
const fs = require('node:fs');

const candidates = [
  process.env.CHROME_BIN,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
].filter(Boolean);

const chrome = candidates.find((path) => fs.existsSync(path));
if (!chrome) {
  throw new Error(
    'No Chrome or Chromium found for the unit tests. Install one (Debian/Ubuntu: `apt-get install chromium`) ' +
      'or point CHROME_BIN at the browser binary. Looked in: ' + candidates.join(', '),
  );
}
process.env.CHROME_BIN = chrome;

module.exports = function (config) {
  config.set({
    frameworks: ['jasmine'],
    plugins: [require('karma-jasmine'), require('karma-chrome-launcher')],
    client: { jasmine: { random: true }, clearContext: false },
    reporters: ['dots'],
    browsers: ['ChromiumHeadlessNoSandbox'],
    customLaunchers: {
      // CI runs as root, where Chromium refuses to start without --no-sandbox.
      ChromiumHeadlessNoSandbox: {
        base: 'ChromeHeadless',
        flags: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      },
    },
    singleRun: true,
    restartOnFileChange: false,
  });
};

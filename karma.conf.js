// Karma runs the unit specs in the system's headless Chrome or Chromium; it never downloads a browser.
const { systemChromium, CHROMIUM_FLAGS } = require('./system-chromium');

process.env.CHROME_BIN = systemChromium();

module.exports = function (config) {
  config.set({
    frameworks: ['jasmine'],
    plugins: [require('karma-jasmine'), require('karma-chrome-launcher')],
    client: { jasmine: { random: true }, clearContext: false },
    reporters: ['dots'],
    browsers: ['ChromiumHeadlessNoSandbox'],
    // CI runs as root, where Chromium refuses to start without --no-sandbox.
    customLaunchers: { ChromiumHeadlessNoSandbox: { base: 'ChromeHeadless', flags: CHROMIUM_FLAGS } },
    singleRun: true,
    restartOnFileChange: false,
  });
};

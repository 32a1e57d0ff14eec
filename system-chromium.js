// Finds the system's Chrome or Chromium for Karma, Playwright and the benchmarks. No tool here downloads a browser.
const fs = require('node:fs');

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** Flags for headless Chromium as root in CI: no sandbox, and no background calls to hosts this network lacks. */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Returns the path of Chrome or Chromium (`CHROME_BIN` first), or throws an error that says how to install one. */
function systemChromium() {
  const candidates = [process.env.CHROME_BIN, ...CANDIDATES].filter(Boolean);
  const found = candidates.find((path) => fs.existsSync(path));
  if (!found) {
    throw new Error(
      'No Chrome or Chromium found. Install one (Debian/Ubuntu: `sudo apt-get install chromium`) ' +
        'or set CHROME_BIN to its path. Looked in: ' +
        candidates.join(', '),
    );
  }
  return found;
}

module.exports = { systemChromium, CHROMIUM_FLAGS };

import { defineConfig } from '@playwright/test';

import { CHROMIUM_FLAGS, systemChromium } from '../system-chromium';
import type { DemoMode } from './fixtures';

/** End-to-end tests: the production build, served by the real token server, driven in the system Chromium. */
export default defineConfig<object, { demoMode: DemoMode }>({
  testDir: '.',
  globalSetup: './build-app.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: './artifacts/test-results',
  use: {
    launchOptions: { executablePath: systemChromium(), args: CHROMIUM_FLAGS },
    viewport: { width: 1280, height: 900 },
    trace: 'off',
  },
  projects: [
    { name: 'stored', use: { demoMode: 'stored' } },
    // The demo scenarios again, against the demo built in cookie mode.
    { name: 'cookie', testMatch: ['refresh-demo.spec.ts', 'proactive-refresh.spec.ts'], use: { demoMode: 'cookie' } },
  ],
});

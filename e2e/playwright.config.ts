import { defineConfig } from '@playwright/test';

import { CHROMIUM_FLAGS, systemChromium } from '../system-chromium';
import type { DemoBackend, DemoMode } from './fixtures';

/** Specs of cookie mode alone. */
const COOKIE_ONLY = ['cookie-mode.spec.ts', 'cookie-mode-tabs.spec.ts'];

/** End-to-end tests: the production build, served by the real token server, driven in the system Chromium. */
export default defineConfig<object, { demoMode: DemoMode; demoBackend: DemoBackend }>({
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
    // The demo as built by default (the pair in IndexedDB), the separate consumer app, and the OAuth 2.0 harness.
    { name: 'default', testIgnore: COOKIE_ONLY, use: { demoMode: 'stored' } },
    // The demo built in cookie mode: its own specs, and the demo scenarios, the five-tab storm and the reverse proxy again.
    {
      name: 'cookie',
      testMatch: [...COOKIE_ONLY, 'refresh-demo.spec.ts', 'proactive-refresh.spec.ts', 'five-tabs.spec.ts', 'reverse-proxy.spec.ts'],
      use: { demoMode: 'cookie' },
    },
    // The scale-out setting: serve:cluster with two workers on PostgreSQL, ES256 keys and Redis, directly and behind nginx.
    {
      name: 'scale-out',
      testMatch: ['refresh-demo.spec.ts', 'five-tabs.spec.ts', 'reverse-proxy.spec.ts'],
      use: { demoMode: 'stored', demoBackend: 'scale-out' },
    },
  ],
});

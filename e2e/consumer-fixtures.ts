import { Page } from '@playwright/test';

import { startTokenServer } from '../server/start-token-server';
import { test as base } from './fixtures';

/** A token server of its own for each test (with `serverEnv`), serving the consumer app build in `staticDir`. */
export const test = base.extend<{ staticDir: string; consumerServerEnv: Record<string, string> }>({
  staticDir: ['', { option: true }],
  consumerServerEnv: [{}, { option: true }],
  baseURL: async ({ staticDir, consumerServerEnv }, use) => {
    const server = await startTokenServer({ LOG_LEVEL: 'warn', STATIC_DIR: staticDir, ...consumerServerEnv });
    try {
      await use(server.url);
    } finally {
      await server.stop();
    }
  },
});

/** Errors the app throws or logs; the browser's own "Failed to load resource" lines (the 401s) are expected. */
export function appErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on(
    'console',
    (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource') && errors.push(message.text()),
  );
  return errors;
}

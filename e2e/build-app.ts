import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { CONSUMER_BUILDS, buildConsumerApp } from './consumer-app';

/**
 * Before the suite: builds the demo app (production), and packs the library into the separate consumer app and
 * builds that; E2E_SKIP_BUILD=1 keeps builds that exist.
 */
export default function buildApps(): void {
  const root = join(__dirname, '..');
  const skip = process.env['E2E_SKIP_BUILD'] === '1';
  if (!skip || !existsSync(join(root, 'dist/demo/browser/index.html'))) {
    execFileSync(process.execPath, [join(root, 'node_modules/@angular/cli/bin/ng.js'), 'build', 'demo'], { cwd: root, stdio: 'inherit' });
  }
  if (!skip || !existsSync(join(CONSUMER_BUILDS.ssr, 'server/server.mjs'))) {
    buildConsumerApp();
  }
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { packLibrary } from '../.ci/pack-lib';
import { CONSUMER_BUILDS, buildConsumerApps, consumerBuild } from './consumer-app';
import { buildNgAddApps, ngAddApp } from './ng-add-apps';

/** The demo built in cookie mode (`npm run build:cookie`), for the cookie-mode specs to serve. */
export const DEMO_COOKIE_DIR = join(__dirname, '..', 'dist/demo-cookie/browser');

/** The demo built with DPoP (the `dpop` configuration), for the DPoP specs to serve. */
export const DEMO_DPOP_DIR = join(__dirname, '..', 'dist/demo-dpop/browser');

/**
 * Before the suite: builds the demo app (production) as it is, in cookie mode and with DPoP, packs the library into the separate consumer apps (Angular 20, 21
 * and 22) and into apps made by `ng new` and set up by `ng add`, and builds those; E2E_SKIP_BUILD=1 keeps builds that exist.
 */
export default async function buildApps(): Promise<void> {
  const root = join(__dirname, '..');
  const skip = process.env['E2E_SKIP_BUILD'] === '1';
  const ng = join(root, 'node_modules/@angular/cli/bin/ng.js');
  if (!skip || !existsSync(join(root, 'dist/demo/browser/index.html'))) {
    execFileSync(process.execPath, [ng, 'build', 'demo'], { cwd: root, stdio: 'inherit' });
  }
  for (const [mode, dir] of [
    ['cookie', DEMO_COOKIE_DIR],
    ['dpop', DEMO_DPOP_DIR],
  ]) {
    if (!skip || !existsSync(join(dir, 'index.html'))) {
      const build = ['build', 'demo', `--configuration=production,${mode}`, `--output-path=dist/demo-${mode}`];
      execFileSync(process.execPath, [ng, ...build], { cwd: root, stdio: 'inherit' });
    }
  }
  const built = [
    ...Object.values(CONSUMER_BUILDS).map((dir) => join(dir, 'browser')),
    join(consumerBuild(22, 'module'), 'index.html'),
    join(ngAddApp('module-zone').browser, 'index.html'),
  ];
  if (!skip || !built.every((file) => existsSync(file))) {
    const tarball = packLibrary();
    await buildConsumerApps(tarball);
    await buildNgAddApps(tarball);
  }
}

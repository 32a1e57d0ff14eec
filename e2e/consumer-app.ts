import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { packLibrary } from '../.ci/pack-lib';

const ROOT = join(__dirname, '..');
const NG = join(ROOT, 'node_modules/@angular/cli/bin/ng.js');

const APP = join(ROOT, 'e2e/artifacts/consumer-app');

/** Where each build of the separate consumer app goes (`ng build` output directories). */
export const CONSUMER_BUILDS = {
  /** The README's install snippet: the bundled server's contract. */
  plain: join(APP, 'dist/plain'),
  /** The README's OAuth 2.0 snippet, pointed at the test harness's own origin. */
  oauth: join(APP, 'dist/oauth'),
  /** The install snippet and the README's SSR recipe, built with `@angular/ssr`. */
  ssr: join(APP, 'dist/ssr'),
} as const;

/**
 * Packs the library, copies `e2e/consumer-app` to `e2e/artifacts/consumer-app`, writes its config files from the
 * README's snippets, installs the tarball there with npm (as a team would; Angular itself resolves from this
 * repository's node_modules, so there is one copy of it), and builds the app three ways.
 */
export function buildConsumerApp(): void {
  const tarball = packLibrary();
  const app = APP;
  rmSync(app, { recursive: true, force: true });
  mkdirSync(join(ROOT, 'e2e/artifacts'), { recursive: true });
  cpSync(join(ROOT, 'e2e/consumer-app'), app, { recursive: true });

  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  writeFileSync(join(app, 'src/app/app.config.ts'), snippet(readme, '// src/app/app.config.ts\n'));
  // The one edit: the example authorization server lives on the test harness's origin.
  writeFileSync(
    join(app, 'src/app/app.config.oauth.ts'),
    snippet(readme, '// src/app/app.config.ts (OAuth 2.0)\n').replaceAll('https://auth.example.com', ''),
  );
  writeFileSync(join(app, 'src/app/app.routes.server.ts'), snippet(readme, '// src/app/app.routes.server.ts\n'));

  execFileSync('npm', ['install', tarball, '--legacy-peer-deps', '--no-audit', '--no-fund', '--no-package-lock'], {
    cwd: app,
    stdio: 'pipe',
  });
  for (const [kind, out] of Object.entries(CONSUMER_BUILDS)) {
    const configuration = kind === 'plain' ? 'default' : kind;
    execFileSync(process.execPath, [NG, 'build', `--configuration=${configuration}`, `--output-path=${out}`], {
      cwd: app,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
      stdio: 'pipe',
    });
  }
}

/** The fenced TypeScript block of `readme` whose first line is `firstLine`. */
function snippet(readme: string, firstLine: string): string {
  const start = readme.indexOf('```ts\n' + firstLine);
  if (start < 0) {
    throw new Error(`README has no \`\`\`ts block starting "${firstLine.trim()}"`);
  }
  const body = readme.slice(start + '```ts\n'.length);
  return body.slice(0, body.indexOf('```\n'));
}

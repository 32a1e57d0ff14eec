import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const ARTIFACTS = join(ROOT, 'e2e/artifacts');
const NG = join(ROOT, 'node_modules/@angular/cli/bin/ng.js');
/** The CLI whose `ng new` makes the apps: the workspace's own version, from the registry (the workspace's copy refuses `ng new` inside it). */
const CLI = `@angular/cli@${JSON.parse(readFileSync(join(ROOT, 'node_modules/@angular/cli/package.json'), 'utf8')).version}`;

/** The apps `ng new` makes, and the flags it gets: as the CLI makes them by default, and an NgModule app on zone.js. */
export const NG_ADD_APPS = {
  standalone: [],
  module: ['--standalone=false'],
  'module-zone': ['--standalone=false', '--zoneless=false'],
} as const;

export type NgAddApp = keyof typeof NG_ADD_APPS;

/** Where the app lives, its browser build, and what `ng add` printed. */
export function ngAddApp(name: NgAddApp): { dir: string; browser: string; log: string } {
  const dir = join(ARTIFACTS, `ng-add-${name}`);
  return { dir, browser: join(dir, 'dist/app/browser'), log: join(dir, 'ng-add.log') };
}

/**
 * Makes each app with the real `ng new`, gives it a page of its own (a route `ng add` must guard), installs the packed
 * library, runs `ng add angular-token-refresh --defaults`, and builds it. The untouched app is kept beside it
 * (`…-before`), so the diff `ng add` made can be read.
 */
export async function buildNgAddApps(tarball: string): Promise<void> {
  await Promise.all((Object.keys(NG_ADD_APPS) as NgAddApp[]).map((name) => buildOne(name, tarball)));
}

async function buildOne(name: NgAddApp, tarball: string): Promise<void> {
  const { dir, log } = ngAddApp(name);
  const env = { ...process.env, NG_CLI_ANALYTICS: 'false' };
  const scratch = mkdtempSync(join(tmpdir(), 'atr-ng-new-'));
  try {
    const flags = ['--skip-install', '--skip-git', '--skip-tests', '--defaults', ...NG_ADD_APPS[name]];
    await run('npx', ['-y', '-p', CLI, 'ng', 'new', 'app', ...flags], { cwd: scratch, env });
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    cpSync(join(scratch, 'app'), dir, { recursive: true });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  addResourcesPage(dir, name === 'standalone' ? 'app.routes.ts' : 'app-routing-module.ts');
  rmSync(`${dir}-before`, { recursive: true, force: true });
  cpSync(join(dir, 'src'), join(`${dir}-before`, 'src'), { recursive: true });

  // What `npm install` puts in place; Angular itself resolves from this repository's node_modules, one copy of it.
  const installed = join(dir, 'node_modules/angular-token-refresh');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '--strip-components=1', '-C', installed]);
  const added = await run(process.execPath, [NG, 'add', 'angular-token-refresh', '--defaults', '--skip-confirmation'], { cwd: dir, env });
  writeFileSync(log, added.stdout + added.stderr);
  await run(process.execPath, [NG, 'build'], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 });
}

/** The team's own page, on the app's empty route: it loads the protected resource three times. */
function addResourcesPage(dir: string, routesFile: string): void {
  writeFileSync(
    join(dir, 'src/app/resources-page.ts'),
    `import { HttpClient } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';

@Component({
  selector: 'app-resources-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: \`
    <h1>Resources</h1>
    <p data-testid="served">{{ served() }} served</p>
  \`,
})
export class ResourcesPage {
  protected readonly served = signal(0);

  constructor() {
    const http = inject(HttpClient);
    for (let i = 0; i < 3; i++) {
      http.get('/api/resources', { responseType: 'text' }).subscribe(() => this.served.update((n) => n + 1));
    }
  }
}
`,
  );
  const routes = join(dir, 'src/app', routesFile);
  const source = readFileSync(routes, 'utf8');
  if (!source.includes('Routes = [];')) {
    throw new Error(`${routesFile} of a new app no longer has an empty route table; update this test`);
  }
  writeFileSync(
    routes,
    `import { ResourcesPage } from './resources-page';\n${source.replace('Routes = [];', "Routes = [{ path: '', component: ResourcesPage }];")}`,
  );
  // The welcome page of a new app would bury the routed page; a team's shell is the outlet.
  writeFileSync(join(dir, 'src/app/app.html'), '<router-outlet />\n');
}

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { packLibrary } from '../.ci/pack-lib';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const ARTIFACTS = join(ROOT, 'e2e/artifacts');
const TEMPLATE = join(ROOT, 'e2e/consumer-app');

/** The app on the workspace's own Angular 21 toolchain. */
const APP = join(ARTIFACTS, 'consumer-app');

/** Where each build of the Angular 21 consumer app goes (`ng build` output directories). */
export const CONSUMER_BUILDS = {
  /** The install snippet (README, Getting started): standalone, zoneless, functional interceptor, the bundled server's contract. */
  plain: join(APP, 'dist/plain'),
  /** The NgModule snippet (Getting started): `bootstrapModule`, zone.js, the class interceptor in HTTP_INTERCEPTORS. */
  module: join(APP, 'dist/module'),
  /** The OAuth 2.0 snippet (Backends), pointed at the test harness's own origin. */
  oauth: join(APP, 'dist/oauth'),
  /** The OAuth 2.0 sign-in snippet (Backends): discovery and the code flow, against the harness's issuer. */
  'oauth-code': join(APP, 'dist/oauth-code'),
  /** The same on zone.js. */
  'oauth-code-zone': join(APP, 'dist/oauth-code-zone'),
  /** The sign-in snippet with `withDPoP()` (Sender-constrained tokens), on zone.js. */
  'oauth-code-dpop': join(APP, 'dist/oauth-code-dpop'),
  /** The install snippet on zone.js, with `withRefreshTokenCookie()` and `withDPoP()`: a cookie bound to a key. */
  'cookie-dpop': join(APP, 'dist/cookie-dpop'),
  /** The install snippet and the SSR recipe (Server-side rendering), built with `@angular/ssr`. */
  ssr: join(APP, 'dist/ssr'),
  /** The same on zone.js: the install snippet with `provideZoneChangeDetection()`, zone.js as a polyfill. */
  'ssr-zone': join(APP, 'dist/ssr-zone'),
} as const;

/** The Angular majors the package claims; each is proven by a separate app that installs the tarball with its own CLI. */
export const ANGULAR_MAJORS = [20, 21, 22] as const;

/** An Angular major the package claims. */
export type AngularMajor = (typeof ANGULAR_MAJORS)[number];

/** The two app styles built for every major. */
export type AppStyle = 'plain' | 'module';

/**
 * The toolchains of the majors other than the workspace's: exact versions, so a new patch release cannot change what
 * CI proves unnoticed. Angular 22 needs Node ≥ 22.22, taken from the npm registry's `node` package for its installs
 * and builds only.
 */
const TOOLCHAINS: Record<Exclude<AngularMajor, 21>, { readonly packages: Record<string, string>; readonly node?: string }> = {
  20: { packages: angularPackages('20.3.35', '20.3.43', { typescript: '5.9.3', 'zone.js': '0.15.1' }) },
  22: { packages: angularPackages('22.2.6', '22.2.7', { typescript: '6.0.3', 'zone.js': '0.16.3' }), node: '22.23.3' },
};

/** The browser build of the consumer app of `major` in `style`, as the token server serves it (`STATIC_DIR`). */
export function consumerBuild(major: AngularMajor, style: AppStyle): string {
  return join(major === 21 ? CONSUMER_BUILDS[style] : join(ARTIFACTS, `consumer-app-ng${major}`, 'dist', style), 'browser');
}

/**
 * Packs the library and builds the consumer apps from `e2e/consumer-app`, with their config files from the guides'
 * snippets, as a team would: the Angular 21 app on this workspace's toolchain (Angular itself resolves from this
 * repository's node_modules, so there is one copy of it), in every build the tests use; and one app per other major,
 * which installs its own Angular, CLI and TypeScript beside the tarball with a plain `npm install`, so an
 * unsupported peer range fails as it would for a user. Their installs run while the first app builds.
 */
export async function buildConsumerApps(tarball = packLibrary()): Promise<void> {
  const readme = guides();
  const others = ([20, 22] as const).map((major) => {
    const app = prepare(`consumer-app-ng${major}`, readme);
    const { packages, node } = TOOLCHAINS[major];
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `consumer-app-ng${major}`, private: true, dependencies: packages }));
    return { major, app, node, installed: npm(['install', tarball, '--no-audit', '--no-fund', '--no-package-lock'], app, node) };
  });

  prepare('consumer-app', readme);
  await npm(['install', tarball, '--legacy-peer-deps', '--no-audit', '--no-fund', '--no-package-lock'], APP);
  for (const [kind, out] of Object.entries(CONSUMER_BUILDS)) {
    await ngBuild(APP, kind === 'plain' ? 'default' : kind, out);
  }
  for (const { app, node, installed } of others) {
    await installed;
    await ngBuild(app, 'default', join(app, 'dist/plain'), node);
    await ngBuild(app, 'module', join(app, 'dist/module'), node);
  }
}

/** The README and the guides in docs/, where the snippets that configure the consumer apps are. */
function guides(): string {
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
  return [join(ROOT, 'README.md'), ...docs.map((name) => join(ROOT, 'docs', name))].map((file) => readFileSync(file, 'utf8')).join('\n');
}

/** Copies the template to `e2e/artifacts/<name>` and writes its config files from the guides' snippets. */
function prepare(name: string, readme: string): string {
  const app = join(ARTIFACTS, name);
  rmSync(app, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  cpSync(TEMPLATE, app, { recursive: true });
  const appConfig = snippet(readme, '// src/app/app.config.ts\n');
  writeFileSync(join(app, 'src/app/app.config.ts'), appConfig);
  // The one edit for the zone.js server build: the same config on zone.js.
  const appConfigZone = appConfig.replaceAll('provideZonelessChangeDetection', 'provideZoneChangeDetection');
  writeFileSync(join(app, 'src/app/app.config.zone.ts'), appConfigZone);
  // And for the cookie bound to a key: the two features, as the package README names them.
  writeFileSync(
    join(app, 'src/app/app.config.cookie-dpop.ts'),
    edited(
      edited(appConfigZone, 'provideAuth }', 'provideAuth, withDPoP, withRefreshTokenCookie }'),
      "provideAuth({ loginPath: '/login' })",
      "provideAuth({ loginPath: '/login' }, withRefreshTokenCookie(), withDPoP())",
    ),
  );
  // The one edit for OAuth: the example authorization server lives on the test harness's origin.
  writeFileSync(
    join(app, 'src/app/app.config.oauth.ts'),
    snippet(readme, '// src/app/app.config.ts (OAuth 2.0)\n').replaceAll('https://auth.example.com', ''),
  );
  // The one edit for the code flow: the issuer and the app are the harness's origin, and the API's origin is the test's,
  // known only at run time.
  const codeFlow = snippet(readme, '// src/app/app.config.ts (OAuth 2.0 sign-in)\n')
    .replaceAll("'https://auth.example.com/oidc'", '`${location.origin}/oidc`')
    .replaceAll("'https://app.example.com/'", '`${location.origin}/`')
    .replaceAll("'https://api.example.com'", "localStorage.getItem('consumer-app.api-origin') ?? 'https://api.example.com'");
  writeFileSync(join(app, 'src/app/app.config.oauth-code.ts'), codeFlow);
  const codeFlowZone = codeFlow.replaceAll('provideZonelessChangeDetection', 'provideZoneChangeDetection');
  writeFileSync(join(app, 'src/app/app.config.oauth-code-zone.ts'), codeFlowZone);
  // The one edit for DPoP: withDPoP() beside withOAuth2(…), as the package README shows.
  writeFileSync(
    join(app, 'src/app/app.config.oauth-code-dpop.ts'),
    edited(edited(codeFlowZone, 'withOAuth2 }', 'withDPoP, withOAuth2 }'), '      }),\n    ),\n', '      }),\n      withDPoP(),\n    ),\n'),
  );
  writeFileSync(join(app, 'src/app/app.routes.server.ts'), snippet(readme, '// src/app/app.routes.server.ts\n'));
  writeFileSync(join(app, 'src/module/app-module.ts'), snippet(readme, '// src/app/app-module.ts (NgModule)\n'));
  return app;
}

async function npm(args: string[], cwd: string, node?: string): Promise<void> {
  await run(...withNode(node, 'npm', args), { cwd, maxBuffer: 64 * 1024 * 1024 });
}

async function ngBuild(app: string, configuration: string, out: string, node?: string): Promise<void> {
  // The Angular 21 app builds with the workspace's CLI; the others with their own.
  const ng = join(app === APP ? ROOT : app, 'node_modules/@angular/cli/bin/ng.js');
  const [command, args] = withNode(node, 'node', [ng]);
  await run(command, [...args, 'build', `--configuration=${configuration}`, `--output-path=${out}`], {
    cwd: app,
    env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** `command args`, run by Node `version` from the npm registry when one is given. */
function withNode(version: string | undefined, command: string, args: string[]): [string, string[]] {
  return version
    ? ['npx', ['-y', '-p', `node@${version}`, '--', command, ...args]]
    : [command === 'node' ? process.execPath : command, args];
}

/** The Angular packages an app of one major installs, at `angular` (framework) and `tooling` (CLI and builders). */
function angularPackages(angular: string, tooling: string, extra: Record<string, string>): Record<string, string> {
  const framework = ['common', 'compiler', 'compiler-cli', 'core', 'forms', 'platform-browser', 'router'];
  return {
    ...Object.fromEntries(framework.map((name) => [`@angular/${name}`, angular])),
    '@angular/build': tooling,
    '@angular/cli': tooling,
    rxjs: '7.8.2',
    tslib: '2.8.1',
    ...extra,
  };
}

/** `text` with its one `from` replaced by `to`. */
function edited(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) {
    throw new Error(`The snippet no longer has exactly one ${JSON.stringify(from)} to edit`);
  }
  return text.replace(from, to);
}

/** The fenced TypeScript block of `readme` whose first line is `firstLine`. */
function snippet(readme: string, firstLine: string): string {
  const start = readme.indexOf('```ts\n' + firstLine);
  if (start < 0) {
    throw new Error(`Neither the README nor docs/ has a \`\`\`ts block starting "${firstLine.trim()}"`);
  }
  const body = readme.slice(start + '```ts\n'.length);
  return body.slice(0, body.indexOf('```\n'));
}

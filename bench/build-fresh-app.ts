import { NodeWorkflow } from '@angular-devkit/schematics/tools';
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';

import { ngBuild } from './ng-build';

const ROOT = join(__dirname, '..');

/**
 * Browser output directories of the fresh `ng new` app as generated, with `provideHttpClient()`, with the library
 * too, and with the library signing in by redirect (`withOAuth2({ issuer })`).
 */
export interface FreshApps {
  readonly plain: string;
  readonly httpClient: string;
  readonly withAuth: string;
  readonly withCodeFlow: string;
}

/** What each variant adds to the generated `app.config.ts`: imports, and providers after `provideRouter(routes)`. */
const VARIANTS = {
  plain: { imports: '', providers: '' },
  httpClient: { imports: "import { provideHttpClient } from '@angular/common/http';\n", providers: ', provideHttpClient()' },
  withAuth: {
    imports:
      "import { provideHttpClient, withInterceptors } from '@angular/common/http';\n" +
      "import { authInterceptor, provideAuth } from 'angular-token-refresh';\n",
    providers: ', provideAuth(), provideHttpClient(withInterceptors([authInterceptor]))',
  },
  withCodeFlow: {
    imports:
      "import { provideHttpClient, withInterceptors } from '@angular/common/http';\n" +
      "import { authInterceptor, provideAuth, withOAuth2 } from 'angular-token-refresh';\n",
    providers:
      ", provideAuth({}, withOAuth2({ issuer: 'https://auth.example.com', clientId: 'fresh-app', scope: 'openid' }))" +
      ', provideHttpClient(withInterceptors([authInterceptor]))',
  },
};

/**
 * Generates what `ng new fresh-app --routing --style=css --ssr=false` generates (the CLI refuses `ng new` inside
 * this workspace, so the schematic runs directly), then builds it for production three ways with this repo's
 * node_modules. The library comes from its packaged build (`dist/angular-token-refresh`, as in the tarball), so
 * the bundle counts what an app that installs it pays.
 */
export async function buildFreshApps(workDir: string): Promise<FreshApps> {
  const cliVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@angular/cli/package.json'), 'utf8')) as { version: string })
    .version;
  const workflow = new NodeWorkflow(workDir, {
    force: true,
    dryRun: false,
    resolvePaths: [ROOT],
    schemaValidation: true,
    packageManager: 'npm',
  });
  await lastValueFrom(
    workflow.execute({
      collection: '@schematics/angular',
      schematic: 'ng-new',
      options: { name: 'fresh-app', routing: true, style: 'css', ssr: false, skipInstall: true, skipGit: true, version: cliVersion },
    }),
  );
  const generated = join(workDir, 'fresh-app');
  const outputs: Record<string, string> = {};
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const appDir = join(workDir, `fresh-app-${name}`);
    cpSync(generated, appDir, { recursive: true });
    linkNodeModules(appDir);
    const configFile = join(appDir, 'src/app/app.config.ts');
    const config = readFileSync(configFile, 'utf8');
    if (!config.includes('provideRouter(routes)')) {
      throw new Error(`Unexpected generated app.config.ts:\n${config}`);
    }
    writeFileSync(configFile, variant.imports + config.replace('provideRouter(routes)', `provideRouter(routes)${variant.providers}`));
    await ngBuild(appDir, ['--output-path', join(workDir, `fresh-app-${name}-dist`)]);
    outputs[name] = join(workDir, `fresh-app-${name}-dist`, 'browser');
  }
  return outputs as unknown as FreshApps;
}

// A node_modules of links to this repo's packages, plus the packaged library, as npm would install it.
function linkNodeModules(appDir: string): void {
  const modules = join(appDir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry), 'dir');
  }
  symlinkSync(join(ROOT, 'dist/angular-token-refresh'), join(modules, 'angular-token-refresh'), 'dir');
}

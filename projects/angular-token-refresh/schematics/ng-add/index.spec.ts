import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';

import type { NgAddOptions } from './index';

const runner = new SchematicTestRunner('angular-token-refresh', join(__dirname, '../collection.json'));

/** A new workspace with one app, as `ng new` makes it (standalone and zoneless, or NgModule). */
async function newApp(standalone: boolean): Promise<UnitTestTree> {
  const workspace = await runner.runExternalSchematic('@schematics/angular', 'workspace', {
    name: 'workspace',
    newProjectRoot: 'projects',
    version: '21.2.0',
  });
  return runner.runExternalSchematic('@schematics/angular', 'application', { name: 'app', standalone, skipTests: true }, workspace);
}

const CONFIG = '/projects/app/src/app/app.config.ts';
const MODULE = '/projects/app/src/app/app-module.ts';
const STANDALONE_ROUTES = '/projects/app/src/app/app.routes.ts';
const MODULE_ROUTES = '/projects/app/src/app/app-routing-module.ts';
const LOGIN_PAGE = '/projects/app/src/app/login/login-page.ts';

async function ngAdd(tree: UnitTestTree, options: NgAddOptions = {}): Promise<{ tree: UnitTestTree; log: string[] }> {
  const log: string[] = [];
  const subscription = runner.logger.subscribe((entry) => log.push(entry.message));
  try {
    return { tree: await runner.runSchematic('ng-add', { project: 'app', ...options }, tree), log };
  } finally {
    subscription.unsubscribe();
  }
}

const count = (text: string, part: string) => text.split(part).length - 1;

/** Every TypeScript file's content, to compare a tree before and after. */
function contents(tree: UnitTestTree): Record<string, string> {
  return Object.fromEntries(tree.files.filter((file) => file.endsWith('.ts')).map((file) => [file, tree.readText(file)]));
}

describe('ng add angular-token-refresh', () => {
  describe('on a new standalone app', () => {
    let app: UnitTestTree;
    beforeEach(async () => (app = await newApp(true)));

    it('adds provideAuth() and provideHttpClient with the functional interceptor to app.config.ts', async () => {
      const { tree, log } = await ngAdd(app);
      const config = tree.readText(CONFIG);

      expect(config).toContain('provideAuth()');
      expect(config).toContain('provideHttpClient(withInterceptors([authInterceptor]))');
      expect(config).toMatch(/import \{ (provideAuth, authInterceptor|authInterceptor, provideAuth) \} from 'angular-token-refresh'/);
      expect(config).toContain("from '@angular/common/http'");
      expect(config).toContain('    provideRouter(routes),\n    provideAuth(),\n    provideHttpClient(');
      expect(log.join('\n')).toContain(`added provideAuth(…) to ${CONFIG.slice(1)}`);
    });

    it('adds the /login route and its page', async () => {
      const { tree } = await ngAdd(app);

      expect(tree.readText(STANDALONE_ROUTES)).toContain("{ path: 'login', component: LoginPage }");
      expect(tree.readText(STANDALONE_ROUTES)).toContain("import { LoginPage } from './login/login-page'");
      expect(tree.readText(LOGIN_PAGE)).toContain('this.auth.signIn(userName, password)');
    });

    it('changes nothing when run a second time, and says so', async () => {
      const once = (await ngAdd(app)).tree;
      const before = contents(once);
      const { tree, log } = await ngAdd(once);

      expect(contents(tree)).toEqual(before);
      expect(log.join('\n')).toContain('already set up here; nothing changed');
    });

    it('keeps one provideHttpClient, with the features it had, when the app already calls it', async () => {
      app.overwrite(CONFIG, app.readText(CONFIG).replace('provideRouter(routes)', 'provideRouter(routes), provideHttpClient(withFetch())'));
      app.overwrite(CONFIG, `import { provideHttpClient, withFetch } from '@angular/common/http';\n${app.readText(CONFIG)}`);

      const config = (await ngAdd(app)).tree.readText(CONFIG);

      expect(count(config, 'provideHttpClient(')).toBe(1);
      expect(config).toContain('provideHttpClient(withFetch(), withInterceptors([authInterceptor]))');
      expect(config).toContain("import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http'");
    });

    it('puts authInterceptor first in an existing withInterceptors list', async () => {
      app.overwrite(
        CONFIG,
        `import { provideHttpClient, withInterceptors } from '@angular/common/http';\nimport { logInterceptor } from './log';\n${app
          .readText(CONFIG)
          .replace('provideRouter(routes)', 'provideRouter(routes), provideHttpClient(withInterceptors([logInterceptor]))')}`,
      );

      const config = (await ngAdd(app)).tree.readText(CONFIG);

      expect(config).toContain('provideHttpClient(withInterceptors([authInterceptor, logInterceptor]))');
      expect(count(config, 'provideHttpClient(')).toBe(1);
    });

    it('guards the existing routes, but not redirects, and adds authGuard to guards that are there', async () => {
      app.overwrite(
        STANDALONE_ROUTES,
        `import { Routes } from '@angular/router';\nimport { Items, Admin, isAdmin } from './pages';\n\n` +
          `export const routes: Routes = [\n  { path: '', redirectTo: 'items', pathMatch: 'full' },\n` +
          `  { path: 'items', component: Items },\n  { path: 'admin', component: Admin, canActivate: [isAdmin] },\n];\n`,
      );

      const routes = (await ngAdd(app)).tree.readText(STANDALONE_ROUTES);

      expect(routes).toContain("{ path: '', redirectTo: 'items', pathMatch: 'full' }");
      expect(routes).toContain("{ path: 'items', component: Items, canActivate: [authGuard] }");
      expect(routes).toContain("{ path: 'admin', component: Admin, canActivate: [authGuard, isAdmin] }");
      expect(routes).toContain("import { authGuard } from 'angular-token-refresh'");
      expect(routes.indexOf("path: 'login'")).toBeLessThan(routes.indexOf("path: ''"));
    });

    it('leaves the routes alone with --login-route=false', async () => {
      const before = app.readText(STANDALONE_ROUTES);
      const { tree } = await ngAdd(app, { loginRoute: false });

      expect(tree.readText(STANDALONE_ROUTES)).toBe(before);
      expect(tree.exists(LOGIN_PAGE)).toBeFalse();
    });

    it('configures cookie mode, with fetch', async () => {
      const config = (await ngAdd(app, { cookie: true })).tree.readText(CONFIG);

      expect(config).toContain('provideAuth({}, withRefreshTokenCookie())');
      expect(config).toContain('provideHttpClient(withFetch(), withInterceptors([authInterceptor]))');
    });

    it('configures OAuth 2.0 with the given token URL and client id', async () => {
      const config = (await ngAdd(app, { backend: 'oauth2', tokenUrl: 'https://id.example.com/token', clientId: "o'clock" })).tree.readText(
        CONFIG,
      );

      expect(config).toContain("provideAuth({}, withOAuth2({ tokenUrl: 'https://id.example.com/token', clientId: 'o\\'clock' }))");
    });

    it('writes a backend stub for another server and wires it in', async () => {
      const { tree } = await ngAdd(app, { backend: 'custom' });

      expect(tree.readText(CONFIG)).toContain('provideAuth({}, withBackend(customAuthBackend))');
      expect(tree.readText(CONFIG)).toContain("import { customAuthBackend } from './auth-backend'");
      expect(tree.readText('/projects/app/src/app/auth-backend.ts')).toContain('export function customAuthBackend(): AuthBackend');
    });

    for (const [options, message] of [
      [{ backend: 'oauth2', cookie: true }, 'Cookie mode is part of the bundled server'],
      [{ backend: 'oauth2', tokenUrl: 'javascript:alert(1)' }, '--token-url "javascript:alert(1)" is not valid'],
      [{ backend: 'oauth2', clientId: 'two words' }, '--client-id "two words" is not valid'],
      [{ project: 'nope' }, 'No project "nope" in this workspace'],
    ] as [NgAddOptions, string][]) {
      it(`refuses ${JSON.stringify(options)} with a clear error and writes nothing`, async () => {
        const before = contents(app);
        await expectAsync(ngAdd(app, options)).toBeRejectedWithError(new RegExp(message.replace(/[()[\]]/g, '\\$&')));
        expect(contents(app)).toEqual(before);
      });
    }
  });

  describe('on a new NgModule app', () => {
    let app: UnitTestTree;
    beforeEach(async () => (app = await newApp(false)));

    it('adds provideAuth(), provideHttpClient(withInterceptorsFromDi()) and AuthInterceptor to the module found through main.ts', async () => {
      const module = (await ngAdd(app)).tree.readText(MODULE);

      expect(module).toContain('provideAuth()');
      expect(module).toContain('provideHttpClient(withInterceptorsFromDi())');
      expect(module).toContain('{ provide: HTTP_INTERCEPTORS, useClass: AuthInterceptor, multi: true }');
    });

    it('adds the /login route to the routing module', async () => {
      const routes = (await ngAdd(app)).tree.readText(MODULE_ROUTES);

      expect(routes).toContain("{ path: 'login', component: LoginPage }");
      expect(routes).toContain("import { LoginPage } from './login/login-page'");
    });

    it('changes nothing when run a second time', async () => {
      const once = (await ngAdd(app)).tree;
      const before = contents(once);

      expect(contents((await ngAdd(once)).tree)).toEqual(before);
    });

    it('adds only the class interceptor to a module that already takes interceptors from DI', async () => {
      app.overwrite(
        MODULE,
        `import { provideHttpClient, withInterceptorsFromDi } from '@angular/common/http';\n${app
          .readText(MODULE)
          .replace(
            'provideBrowserGlobalErrorListeners()',
            'provideBrowserGlobalErrorListeners(), provideHttpClient(withInterceptorsFromDi())',
          )}`,
      );

      const module = (await ngAdd(app)).tree.readText(MODULE);

      expect(count(module, 'provideHttpClient(')).toBe(1);
      expect(module).toContain('{ provide: HTTP_INTERCEPTORS, useClass: AuthInterceptor, multi: true }');
    });
  });
});

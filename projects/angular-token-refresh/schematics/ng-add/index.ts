import { Rule, SchematicContext, SchematicsException, Tree, chain } from '@angular-devkit/schematics';
import * as ts from '@schematics/angular/third_party/github.com/Microsoft/TypeScript/lib/typescript';
import { addRootProvider, readWorkspace } from '@schematics/angular/utility';
import { getAppModulePath, isStandaloneApp } from '@schematics/angular/utility/ng-ast-utils';
import { findAppConfig } from '@schematics/angular/utility/standalone/app_config';
import { findBootstrapApplicationCall, getMainFilePath } from '@schematics/angular/utility/standalone/util';
import { posix } from 'node:path';

import { CUSTOM_BACKEND, loginPage } from './app-files';
import { FileEdit, callsOf, parse, property, stringProperty, usesIdentifier } from './source-edit';

/** The options of `ng add angular-token-refresh` (see schema.json). */
export interface NgAddOptions {
  readonly project?: string;
  readonly backend?: 'bundled' | 'oauth2' | 'custom';
  readonly tokenUrl?: string;
  readonly clientId?: string;
  readonly cookie?: boolean;
  readonly loginRoute?: boolean;
}

const LIBRARY = 'angular-token-refresh';
const HTTP = '@angular/common/http';

/** The answer to `ng add`: wires the auth layer into the app in the form it already uses, and says what it changed. */
export function ngAdd(options: NgAddOptions): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const backend = options.backend ?? 'bundled';
    if (options.cookie && backend !== 'bundled') {
      throw new SchematicsException("Cookie mode is part of the bundled server's contract: use --backend=bundled, or leave --cookie off.");
    }
    if (backend === 'oauth2') {
      checked('token-url', options.tokenUrl, isTokenUrl, 'an http(s) URL or a path such as /oauth2/token');
      checked('client-id', options.clientId, (value) => /^[\x21-\x7e]+$/.test(value), 'the client id your authorization server issued');
    }
    const project = await applicationProject(tree, options.project);
    const main = await getMainFilePath(tree, project.name);
    const standalone = isStandaloneApp(tree, main);
    const providersFile = standalone
      ? (findAppConfig(findBootstrapApplicationCall(tree, main), tree, main)?.filePath ?? main)
      : getAppModulePath(tree, main);
    const appDir = posix.join(project.sourceRoot, 'app');
    const report: string[] = [];
    const rules: Rule[] = [];

    const source = parse(tree, providersFile);
    if (callsOf(source, 'provideAuth').length > 0) {
      report.push(`kept: ${providersFile} already calls provideAuth()`);
    } else {
      rules.push(addRootProvider(project.name, provideAuthCode(backend, options, providersFile, appDir)));
      report.push(`added provideAuth(…) to ${providersFile} (${describeBackend(backend, options.cookie)})`);
      if (backend === 'custom') {
        report.push(...writeOnce(tree, posix.join(appDir, 'auth-backend.ts'), CUSTOM_BACKEND, 'a backend for your token server, to adapt'));
      }
      if (backend === 'oauth2' && !(options.tokenUrl && options.clientId)) {
        context.logger.warn(`Set tokenUrl and clientId in ${providersFile}: they are placeholders (or pass --token-url and --client-id).`);
      }
    }

    const edit = new FileEdit(providersFile, source);
    report.push(...wireInterceptor(edit, project.name, standalone, !!options.cookie, rules));
    edit.apply(tree);

    if (options.loginRoute ?? true) {
      const loginFile = posix.join(appDir, 'login/login-page.ts');
      report.push(...writeOnce(tree, loginFile, loginPage(backend === 'oauth2'), 'the sign-in page'));
      report.push(...addLoginRoute(tree, appDir, loginFile));
    }

    const changed = report.some((line) => !line.startsWith('kept'));
    context.logger.info(changed ? 'angular-token-refresh:' : 'angular-token-refresh is already set up here; nothing changed:');
    report.forEach((line) => context.logger.info(`  ${line}`));
    // addRootProvider appends to the last provider's line in a config object; one per line reads as the app did.
    return chain([...rules, ...(standalone ? [oneProviderPerLine(providersFile)] : [])]);
  };
}

async function applicationProject(tree: Tree, name: string | undefined): Promise<{ name: string; sourceRoot: string }> {
  const workspace = await readWorkspace(tree);
  const names = [...workspace.projects.keys()];
  const chosen = name ?? names.find((candidate) => workspace.projects.get(candidate)?.extensions['projectType'] === 'application');
  const project = chosen === undefined ? undefined : workspace.projects.get(chosen);
  if (!chosen || !project) {
    throw new SchematicsException(
      name ? `No project "${name}" in this workspace; it has: ${names.join(', ')}.` : 'This workspace has no application.',
    );
  }
  if (project.extensions['projectType'] !== 'application') {
    throw new SchematicsException(`"${chosen}" is a library; run ng add on an application (--project).`);
  }
  return { name: chosen, sourceRoot: project.sourceRoot ?? posix.join(project.root, 'src') };
}

function provideAuthCode(backend: NgAddOptions['backend'], options: NgAddOptions, providersFile: string, appDir: string) {
  return ({ code, external }: Parameters<Parameters<typeof addRootProvider>[1]>[0]) => {
    const provideAuth = external('provideAuth', LIBRARY);
    if (backend === 'oauth2') {
      const tokenUrl = quote(options.tokenUrl ?? 'https://auth.example.com/oauth2/token');
      const clientId = quote(options.clientId ?? 'my-app');
      return code`${provideAuth}({}, ${external('withOAuth2', LIBRARY)}({ tokenUrl: ${tokenUrl}, clientId: ${clientId} }))`;
    }
    if (backend === 'custom') {
      const module = relativeModule(providersFile, posix.join(appDir, 'auth-backend.ts'));
      return code`${provideAuth}({}, ${external('withBackend', LIBRARY)}(${external('customAuthBackend', module)}))`;
    }
    return options.cookie ? code`${provideAuth}({}, ${external('withRefreshTokenCookie', LIBRARY)}())` : code`${provideAuth}()`;
  };
}

/**
 * Registers the interceptor in the form the app uses: into an existing `provideHttpClient`'s `withInterceptors`, or as
 * a class in `HTTP_INTERCEPTORS` where the app takes interceptors from DI; a new `provideHttpClient` otherwise.
 */
function wireInterceptor(edit: FileEdit, project: string, standalone: boolean, cookie: boolean, rules: Rule[]): string[] {
  const [http] = callsOf(edit.source, 'provideHttpClient');
  const fromDi = () => {
    if (usesIdentifier(edit.source, 'AuthInterceptor')) {
      return [`kept: ${edit.path} already registers AuthInterceptor`];
    }
    rules.push(
      addRootProvider(
        project,
        ({ code, external }) =>
          code`{ provide: ${external('HTTP_INTERCEPTORS', HTTP)}, useClass: ${external('AuthInterceptor', LIBRARY)}, multi: true }`,
      ),
    );
    return [`added AuthInterceptor to HTTP_INTERCEPTORS in ${edit.path}`];
  };

  if (!http) {
    if (!standalone && usesIdentifier(edit.source, 'HttpClientModule')) {
      // HttpClientModule takes interceptors from DI.
      return fromDi();
    }
    // Standalone apps get the functional form; NgModule apps the class form, which they can mix with their own.
    const interceptors = standalone ? 'withInterceptors([authInterceptor])' : 'withInterceptorsFromDi()';
    rules.push(
      addRootProvider(project, ({ code, external }) => {
        const fetch = cookie ? `${external('withFetch', HTTP)}(), ` : '';
        const feature = standalone
          ? `${external('withInterceptors', HTTP)}([${external('authInterceptor', LIBRARY)}])`
          : `${external('withInterceptorsFromDi', HTTP)}()`;
        return code`${external('provideHttpClient', HTTP)}(${fetch}${feature})`;
      }),
    );
    const added = `added provideHttpClient(${cookie ? 'withFetch(), ' : ''}${interceptors}) to ${edit.path}`;
    return standalone ? [added] : [added, ...fromDi()];
  }

  const report: string[] = [];
  const feature = (name: string) => http.arguments.find((argument) => callsOf(argument, name).length > 0 && ts.isCallExpression(argument));
  const append: string[] = [];
  if (cookie && !feature('withFetch')) {
    append.push('withFetch()');
    edit.importSymbol('withFetch', HTTP);
    report.push(`added withFetch() to provideHttpClient in ${edit.path} (cookie mode needs fetch)`);
  }
  const interceptors = feature('withInterceptors') as ts.CallExpression | undefined;
  const list = interceptors?.arguments[0];
  if (list && ts.isArrayLiteralExpression(list)) {
    if (list.elements.some((element) => ts.isIdentifier(element) && element.text === 'authInterceptor')) {
      report.push(`kept: authInterceptor is already in withInterceptors in ${edit.path}`);
    } else {
      // First, so that interceptors after it see (and log) the resends it makes.
      edit.insert(list.elements.pos, list.elements.length > 0 ? 'authInterceptor, ' : 'authInterceptor');
      edit.importSymbol('authInterceptor', LIBRARY);
      report.push(`added authInterceptor to withInterceptors([…]) in ${edit.path}`);
    }
  } else if (feature('withInterceptorsFromDi')) {
    report.push(...fromDi());
  } else {
    append.push('withInterceptors([authInterceptor])');
    edit.importSymbol('withInterceptors', HTTP);
    edit.importSymbol('authInterceptor', LIBRARY);
    report.push(`added withInterceptors([authInterceptor]) to provideHttpClient in ${edit.path}`);
  }
  if (append.length > 0) {
    const args = http.arguments;
    edit.insert(args.end, (args.length > 0 ? ', ' : '') + append.join(', '));
  }
  return report;
}

/** Adds `{ path: 'login', component: LoginPage }` to the app's routes, and `authGuard` to the routes there already. */
function addLoginRoute(tree: Tree, appDir: string, loginFile: string): string[] {
  const found = findRoutes(tree, appDir);
  if (!found) {
    return [`skipped the routes: no \`Routes\` array under ${appDir}; add { path: 'login', component: LoginPage } yourself`];
  }
  const { edit, routes } = found;
  const report: string[] = [];
  const objects = routes.elements.filter(ts.isObjectLiteralExpression);
  let guarded = 0;
  for (const route of objects) {
    const path = stringProperty(route, 'path');
    if (path === 'login' || property(route, 'redirectTo')) {
      continue;
    }
    const guards = property(route, 'canActivate')?.initializer;
    if (guards && ts.isArrayLiteralExpression(guards)) {
      if (!guards.elements.some((element) => ts.isIdentifier(element) && element.text === 'authGuard')) {
        edit.insert(guards.elements.pos, guards.elements.length > 0 ? 'authGuard, ' : 'authGuard');
        guarded++;
      }
    } else if (!guards) {
      edit.insert(route.properties.end, `${route.properties.length > 0 ? ', ' : ''}canActivate: [authGuard]`);
      guarded++;
    }
  }
  if (guarded > 0) {
    edit.importSymbol('authGuard', LIBRARY);
    report.push(`added authGuard to ${guarded} route${guarded === 1 ? '' : 's'} in ${edit.path}`);
  }
  if (objects.some((route) => stringProperty(route, 'path') === 'login')) {
    report.push(`kept: ${edit.path} already has a login route`);
  } else {
    // First, so that a wildcard route can never shadow it.
    edit.insert(routes.elements.pos, `\n  { path: 'login', component: LoginPage }${routes.elements.length > 0 ? ',' : ',\n'}`);
    edit.importSymbol('LoginPage', relativeModule(edit.path, loginFile));
    report.push(`added the /login route to ${edit.path}`);
  }
  edit.apply(tree);
  return report;
}

/** The app's route table: the first `Routes`-typed array under `appDir` (app.routes.ts, app-routing-module.ts, …). */
function findRoutes(tree: Tree, appDir: string): { edit: FileEdit; routes: ts.ArrayLiteralExpression } | null {
  const files: string[] = [];
  tree.getDir(appDir).visit((path) => {
    if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
      files.push(path.replace(/^\//, ''));
    }
  });
  // The conventional names first.
  files.sort((a, b) => Number(!/routes|routing/.test(a)) - Number(!/routes|routing/.test(b)));
  for (const path of files) {
    const source = parse(tree, path);
    let routes: ts.ArrayLiteralExpression | undefined;
    const visit = (node: ts.Node): void => {
      if (
        !routes &&
        ts.isVariableDeclaration(node) &&
        node.type &&
        ts.isTypeReferenceNode(node.type) &&
        node.type.typeName.getText() === 'Routes' &&
        node.initializer &&
        ts.isArrayLiteralExpression(node.initializer)
      ) {
        routes = node.initializer;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    if (routes) {
      return { edit: new FileEdit(path, source), routes };
    }
  }
  return null;
}

/** Puts each element of the file's `providers: [...]` arrays on its own line, where the first one already is. */
function oneProviderPerLine(path: string): Rule {
  return (tree) => {
    const source = parse(tree, path);
    const text = source.getFullText();
    const recorder = tree.beginUpdate(path);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && node.name.getText() === 'providers' && ts.isArrayLiteralExpression(node.initializer)) {
        const elements = node.initializer.elements;
        const first = elements[0]?.getStart() ?? 0;
        const indent = text.slice(text.lastIndexOf('\n', first) + 1, first);
        for (let i = 1; i < elements.length && /^\s+$/.test(indent); i++) {
          const between = text.slice(elements[i - 1].end, elements[i].getStart());
          if (between.trim() === ',') {
            recorder.remove(elements[i - 1].end, between.length);
            recorder.insertLeft(elements[i - 1].end, `,\n${indent}`);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    tree.commitUpdate(recorder);
  };
}

function writeOnce(tree: Tree, path: string, content: string, what: string): string[] {
  if (tree.exists(path)) {
    return [`kept: ${path} exists`];
  }
  tree.create(path, content);
  return [`created ${path}: ${what}`];
}

function describeBackend(backend: NgAddOptions['backend'], cookie: boolean | undefined): string {
  if (backend === 'oauth2') {
    return 'OAuth 2.0';
  }
  if (backend === 'custom') {
    return 'your own backend';
  }
  return cookie ? "the bundled server's contract, cookie mode" : "the bundled server's contract";
}

function isTokenUrl(value: string): boolean {
  if (value.startsWith('/') && !value.startsWith('//')) {
    return true;
  }
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Refuses an option given with a value that would not work, before anything is written. */
function checked(option: string, value: string | undefined, valid: (value: string) => boolean, expected: string): void {
  if (value !== undefined && (!valid(value) || /[\r\n]/.test(value))) {
    throw new SchematicsException(`--${option} ${JSON.stringify(value)} is not valid: give ${expected}.`);
  }
}

/** The import specifier of `target` from `from` (both workspace paths of .ts files), e.g. `./login/login-page`. */
function relativeModule(from: string, target: string): string {
  const path = posix.relative(posix.dirname(from), target.replace(/\.ts$/, ''));
  return path.startsWith('.') ? path : `./${path}`;
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

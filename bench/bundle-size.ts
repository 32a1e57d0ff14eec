import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

import type { FreshApps } from './build-fresh-app';
import type { PartResult } from './part-result';

const REFERENCE_KB = 58.65;
/** The most the library may add to an app's initial transfer (brotli), from the packaging issue. */
const LIBRARY_TARGET_KB = 6;
/** The most the OAuth 2.0 code flow may add, initial and lazy files together (brotli), from the OAuth sign-in issue. */
const CODE_FLOW_TARGET_KB = 10;

/** Bytes of an app's initial files: as built, as `ng build` estimates the transfer (brotli), and gzipped. */
interface InitialSize {
  readonly files: string[];
  readonly raw: number;
  readonly brotli: number;
  readonly gzip: number;
}

/**
 * Part 4: initial transfer size of this app's production build vs its angular.json budget and a fresh `ng new` app,
 * and what the installed library adds to that fresh app over `provideHttpClient()` alone.
 */
export function benchBundleSize(appDir: string, freshApps: FreshApps): PartResult {
  const app = initialSize(appDir);
  const fresh = initialSize(freshApps.plain);
  const httpClient = initialSize(freshApps.httpClient);
  const withAuth = initialSize(freshApps.withAuth);
  const withCodeFlow = initialSize(freshApps.withCodeFlow);
  const libraryKb = (withAuth.brotli - httpClient.brotli) / 1000;
  // The code flow's protocol code is a lazy chunk, fetched when a sign-in starts or comes back: counted with it.
  const codeFlowChunk = codeFlowScripts(freshApps.withCodeFlow);
  const codeFlowKb = (withCodeFlow.brotli - withAuth.brotli + codeFlowChunk.brotli) / 1000;
  const budget = initialBudget();
  const kb = (bytes: number) => (bytes / 1000).toFixed(2);
  const row = (name: string, size: InitialSize) => [name, size.files.join(', '), kb(size.raw), kb(size.brotli), kb(size.gzip)];

  return {
    title: '4. Bundle (production builds, initial files only; kB = 1000 bytes)',
    headers: ['App', 'Initial files', 'Raw kB', 'Transfer kB (brotli)', 'Transfer kB (gzip -9)'],
    rows: [
      row('demo app', app),
      row('fresh `ng new` + router (built here)', fresh),
      row('fresh + provideHttpClient()', httpClient),
      row('fresh + provideHttpClient(withInterceptors([authInterceptor])) + provideAuth()', withAuth),
      row('fresh + the same with withOAuth2({ issuer, … }), the code flow', withCodeFlow),
      row('  its lazy chunk, loaded when a sign-in starts or comes back', codeFlowChunk),
    ],
    notes: [
      `The library adds ${libraryKb.toFixed(2)} kB (brotli) to a fresh app's initial transfer over \`provideHttpClient()\` alone (target ≤ ${LIBRARY_TARGET_KB} kB → ${libraryKb <= LIBRARY_TARGET_KB ? 'met' : 'missed'}); raw ${kb(withAuth.raw - httpClient.raw)} kB.`,
      `The code flow (\`withOAuth2({ issuer })\`: discovery, PKCE, the code exchange, ID token checks, oauth4webapi) adds ${codeFlowKb.toFixed(2)} kB (brotli) over the core alone (target ≤ ${CODE_FLOW_TARGET_KB} kB → ${codeFlowKb <= CODE_FLOW_TARGET_KB ? 'met' : 'missed'}): ${kb(withCodeFlow.brotli - withAuth.brotli)} kB in the initial files, ${kb(codeFlowChunk.brotli)} kB in its chunk. An app without the code flow never downloads that chunk.`,
      `Budget (angular.json, initial, raw size): warning ${budget.warning}, error ${budget.error}; this app uses ${kb(app.raw)} kB → ${app.raw <= parseKb(budget.warning) ? 'within budget' : 'over the warning budget'}.`,
      `This app's initial transfer is ${kb(app.brotli - fresh.brotli)} kB (brotli) above a fresh app's: the auth layer, HttpClient and the app shell; the login and home pages are lazy chunks, not counted.`,
      `Reference from the issue: a fresh \`ng new\` app with the router measured ${REFERENCE_KB} kB on Angular 21.2; the fresh app built in this run measured ${kb(fresh.brotli)} kB.`,
      '"Transfer (brotli)" is how `ng build` estimates transfer size (brotli, files under 1 kB counted raw); the token server itself sends files uncompressed.',
    ],
    data: {
      app,
      freshApp: fresh,
      httpClient,
      withAuth,
      withCodeFlow,
      codeFlowChunk,
      libraryKb,
      codeFlowKb,
      budget,
      referenceFreshAppKb: REFERENCE_KB,
    },
  };
}

// Initial files are those index.html loads up front: the module script, its modulepreloads and the stylesheet.
function initialSize(dir: string): InitialSize {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  return sizeOf(
    dir,
    [...html.matchAll(/<(?:script src|link rel="(?:modulepreload|stylesheet)" href)="([^"]+)"/g)].map((match) => match[1]),
  );
}

// The lazy chunk of the code flow: the script that builds the PKCE authorization request.
function codeFlowScripts(dir: string): InitialSize {
  const scripts = readdirSync(dir).filter((file) => file.endsWith('.js'));
  return sizeOf(
    dir,
    scripts.filter((file) => readFileSync(join(dir, file), 'utf8').includes('code_challenge_method')),
  );
}

function sizeOf(dir: string, files: string[]): InitialSize {
  const sizes = files.map((file) => {
    const contents = readFileSync(join(dir, file));
    const brotli = contents.byteLength < 1024 ? contents.byteLength : brotliCompressSync(contents).byteLength;
    return { raw: contents.byteLength, brotli, gzip: gzipSync(contents, { level: 9 }).byteLength };
  });
  const sum = (key: 'raw' | 'brotli' | 'gzip') => sizes.reduce((total, size) => total + size[key], 0);
  return { files, raw: sum('raw'), brotli: sum('brotli'), gzip: sum('gzip') };
}

function initialBudget(): { warning: string; error: string } {
  const workspace = JSON.parse(readFileSync(join(__dirname, '..', 'angular.json'), 'utf8'));
  const budgets: { type: string; maximumWarning: string; maximumError: string }[] =
    workspace.projects['demo'].architect.build.configurations.production.budgets;
  const initial = budgets.find((budget) => budget.type === 'initial')!;
  return { warning: initial.maximumWarning, error: initial.maximumError };
}

function parseKb(value: string): number {
  return Number.parseFloat(value) * 1000;
}

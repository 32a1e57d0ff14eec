import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

import type { PartResult } from './part-result';

const REFERENCE_KB = 58.65;

/** Bytes of an app's initial files: as built, as `ng build` estimates the transfer (brotli), and gzipped. */
interface InitialSize {
  readonly files: string[];
  readonly raw: number;
  readonly brotli: number;
  readonly gzip: number;
}

/** Part 4: initial transfer size of this app's production build vs its angular.json budget and a fresh `ng new` app. */
export function benchBundleSize(appDir: string, freshAppDir: string): PartResult {
  const app = initialSize(appDir);
  const fresh = initialSize(freshAppDir);
  const budget = initialBudget();
  const kb = (bytes: number) => (bytes / 1000).toFixed(2);
  const row = (name: string, size: InitialSize) => [name, size.files.join(', '), kb(size.raw), kb(size.brotli), kb(size.gzip)];

  return {
    title: '4. Bundle (production builds, initial files only; kB = 1000 bytes)',
    headers: ['App', 'Initial files', 'Raw kB', 'Transfer kB (brotli)', 'Transfer kB (gzip -9)'],
    rows: [row('angular-token-refresh', app), row('fresh `ng new` + router (built here)', fresh)],
    notes: [
      `Budget (angular.json, initial, raw size): warning ${budget.warning}, error ${budget.error}; this app uses ${kb(app.raw)} kB → ${app.raw <= parseKb(budget.warning) ? 'within budget' : 'over the warning budget'}.`,
      `This app's initial transfer is ${kb(app.brotli - fresh.brotli)} kB (brotli) above a fresh app's: the auth layer, HttpClient and the app shell; the login and home pages are lazy chunks, not counted.`,
      `Reference from the issue: a fresh \`ng new\` app with the router measured ${REFERENCE_KB} kB on Angular 21.2; the fresh app built in this run measured ${kb(fresh.brotli)} kB.`,
      '"Transfer (brotli)" is how `ng build` estimates transfer size (brotli, files under 1 kB counted raw); the token server itself sends files uncompressed.',
    ],
    data: { app, freshApp: fresh, budget, referenceFreshAppKb: REFERENCE_KB },
  };
}

// Initial files are those index.html loads up front: the module script, its modulepreloads and the stylesheet.
function initialSize(dir: string): InitialSize {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script src|link rel="(?:modulepreload|stylesheet)" href)="([^"]+)"/g)].map((match) => match[1]);
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

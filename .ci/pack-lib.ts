// `npm run pack:lib`: builds the library (ng-packagr, production, then its schematics) and packs it into one tarball in dist/, whose path
// is the last line printed, so scripts can take it with `tail -1`.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { buildSchematics } from './build-schematics';

/** Builds and packs the library; returns the tarball's absolute path. */
export function packLibrary(): string {
  const root = join(__dirname, '..');
  const ng = join(root, 'node_modules/@angular/cli/bin/ng.js');
  execFileSync(process.execPath, [ng, 'build', 'angular-token-refresh'], {
    cwd: root,
    // The build's log goes to stderr, so stdout carries only the tarball's path.
    stdio: ['ignore', 2, 2],
    env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
  });
  buildSchematics();
  const packed = execFileSync(
    'npm',
    ['pack', join(root, 'dist/angular-token-refresh'), '--pack-destination', join(root, 'dist'), '--json'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const [{ filename }] = JSON.parse(packed) as { filename: string }[];
  return join(root, 'dist', filename);
}

if (require.main === module) {
  console.log(packLibrary());
}

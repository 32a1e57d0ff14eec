// Builds the library's schematics (`ng add`) into the package that ng-packagr made: ng-packagr builds only the Angular
// entry points, and the Angular CLI loads schematics as CommonJS.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Compiles the schematics into dist/angular-token-refresh/schematics, beside their collection and schemas. */
export function buildSchematics(): void {
  const root = join(__dirname, '..');
  const library = join(root, 'projects/angular-token-refresh');
  const out = join(root, 'dist/angular-token-refresh');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(library, 'tsconfig.schematics.json')], {
    stdio: 'inherit',
  });
  cpSync(join(library, 'schematics/collection.json'), join(out, 'schematics/collection.json'));
  cpSync(join(library, 'schematics/ng-add/schema.json'), join(out, 'schematics/ng-add/schema.json'));
  // The package is an ES module package; its schematics folder is CommonJS, and npm must keep the file that says so.
  writeFileSync(join(out, 'schematics/package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  if (existsSync(join(out, '.npmignore'))) {
    appendFileSync(join(out, '.npmignore'), '\n!schematics/package.json\n');
  }
}

if (require.main === module) {
  buildSchematics();
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Builds the production app once before the suite, unless E2E_SKIP_BUILD=1 and a build exists. */
export default function buildApp(): void {
  const root = join(__dirname, '..');
  if (process.env['E2E_SKIP_BUILD'] === '1' && existsSync(join(root, 'dist/demo/browser/index.html'))) {
    return;
  }
  execFileSync(process.execPath, [join(root, 'node_modules/@angular/cli/bin/ng.js'), 'build', 'demo'], { cwd: root, stdio: 'inherit' });
}

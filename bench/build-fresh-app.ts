import { NodeWorkflow } from '@angular-devkit/schematics/tools';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';

import { ngBuild } from './ng-build';

const ROOT = join(__dirname, '..');

/**
 * Generates what `ng new fresh-app --routing --style=css --ssr=false` generates (the CLI refuses `ng new` inside
 * this workspace, so the schematic runs directly), builds it for production with this repo's node_modules,
 * and returns its browser output directory.
 */
export async function buildFreshApp(workDir: string): Promise<string> {
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
  const appDir = join(workDir, 'fresh-app');
  symlinkSync(join(ROOT, 'node_modules'), join(appDir, 'node_modules'), 'dir');
  await ngBuild(appDir, ['--output-path', join(workDir, 'fresh-app-dist')]);
  return join(workDir, 'fresh-app-dist', 'browser');
}

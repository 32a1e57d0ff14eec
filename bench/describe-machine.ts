import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';

/** The machine a run measured, printed above the tables and stored in results.json. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly chromium: string;
  readonly angular: string;
}

/** Describes this machine, given the version the launched Chromium reports. */
export function describeMachine(chromium: string): Machine {
  const angular = JSON.parse(readFileSync(join(__dirname, '..', 'node_modules/@angular/core/package.json'), 'utf8')).version;
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    chromium,
    angular,
  };
}

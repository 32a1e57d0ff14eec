// For specs only: run as a child process, it waits until GO_AT (epoch ms), then does one start-up step on DATA_DIR,
// so several children race as servers started at the same moment do. Prints the result; exits 1 on an error.
import { loadConfig } from './config';
import { SqliteStore } from './store/sqlite-store';

const [step, dataDir, goAt] = process.argv.slice(2);
const wait = new Int32Array(new SharedArrayBuffer(4));
Atomics.wait(wait, 0, 0, Math.max(0, Number(goAt) - Date.now()));
try {
  if (step === 'config') {
    console.log(loadConfig({ DATA_DIR: dataDir }).jwtSecret);
  } else {
    void SqliteStore.open(dataDir).close();
    console.log('opened');
  }
} catch (error) {
  console.log(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}

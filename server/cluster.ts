// `npm run serve:cluster`: WORKERS token servers (default: one per core) sharing one port through Node's cluster.
// Every decision lives in the database, so the workers need nothing from each other. A worker that dies is replaced;
// SIGTERM or SIGINT is passed on to each worker, which drains its requests in flight, and the primary exits last.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const workers = Number(process.env['WORKERS'] ?? availableParallelism());
if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
  console.error(`Invalid WORKERS: expected an integer from 1 to 64, got "${process.env['WORKERS']}"`);
  process.exit(1);
}

cluster.setupPrimary({ exec: join(__dirname, 'main.ts') });
let stopping = false;
for (let i = 0; i < workers; i++) cluster.fork();
const listening = new Set<number>();
cluster.on('listening', (worker) => listening.add(worker.id));
cluster.on('exit', (worker, code, signal) => {
  if (!stopping && !listening.has(worker.id)) {
    // It never got as far as listening (a bad setting, the database unreachable): another would fail the same way.
    console.error(`Worker ${worker.process.pid} failed to start (${signal ?? code}); stopping`);
    stopAll('SIGTERM', 1);
  } else if (!stopping) {
    console.error(`Worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    cluster.fork();
  }
  // `cluster.workers` may still list the worker during its 'exit' event, so count the living ones.
  if (stopping && Object.values(cluster.workers ?? {}).every((other) => other === worker || other?.isDead())) process.exit(exitCode);
});

let exitCode = 0;
function stopAll(signal: NodeJS.Signals, code: number): void {
  stopping = true;
  exitCode ||= code;
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stopAll(signal, 0));

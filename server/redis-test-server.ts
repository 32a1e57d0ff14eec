import { createConnection } from 'node:net';

/** The Redis the specs and e2e tests use (CI has one; .ci/run fails without it). */
export const REDIS = { host: '127.0.0.1', port: 6379 };

/** Whether a Redis server answers PING at REDIS within a second. */
export function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(REDIS, () => socket.write('PING\r\n'));
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.end();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

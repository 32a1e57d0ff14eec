import type { AddressInfo } from 'node:net';
import { pino } from 'pino';

import { createApp } from './app';
import { PasswordHasher } from './auth/password-hasher';
import { seedUser } from './auth/seed-user';
import { SessionStore } from './auth/session-store';
import { sweepExpiredSessions } from './auth/session-sweeper';
import { UserStore } from './auth/user-store';
import { loadConfig } from './config';
import { openDatabase } from './database';
import { createHttpServer } from './http-server';
import { connectRedis } from './throttle-store';

/** Reads the environment, seeds the demo user, listens, and shuts down cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = pino({ level: config.logLevel });
  const db = openDatabase(config.dataDir);
  const now = () => Date.now();

  await seedUser(new UserStore(db), new PasswordHasher(), { userName: config.demoUser, password: config.demoPassword }, now());
  const stopSweeping = sweepExpiredSessions(new SessionStore(db), now, config.sweepIntervalSeconds);

  const redis = config.redisUrl ? connectRedis(config.redisUrl, (error) => logger.warn({ err: error }, 'Redis unavailable')) : undefined;
  const server = createHttpServer(createApp({ config, db, now, logger, redis }), config);
  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    console.log(`Token server listening on http://${host}:${port}`);
    // Passwords are never printed, except the built-in demo one, which the README prints anyway.
    console.log(
      process.env['DEMO_PASSWORD']
        ? `Demo user: ${config.demoUser} (password from DEMO_PASSWORD)`
        : `Demo credentials: ${config.demoUser} / ${config.demoPassword}`,
    );
  });
  server.on('error', (error) => {
    console.error(`Token server could not listen on ${config.host}:${config.port}: ${error.message}`);
    db.close();
    process.exitCode = 1;
  });

  const shutDown = (signal: string) => {
    logger.info(`${signal} received, shutting down`);
    stopSweeping();
    server.close(() => {
      redis?.destroy();
      db.close();
      process.exit(0);
    });
    server.closeIdleConnections();
    // Open keep-alive or slow (?delay=) requests get a moment to finish, then are cut.
    setTimeout(() => server.closeAllConnections(), 3000).unref();
  };
  process.once('SIGINT', () => shutDown('SIGINT'));
  process.once('SIGTERM', () => shutDown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`Token server failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

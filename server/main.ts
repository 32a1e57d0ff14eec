import type { AddressInfo } from 'node:net';
import { pino } from 'pino';

import { createApp } from './app';
import { PasswordHasher } from './auth/password-hasher';
import { seedUser } from './auth/seed-user';
import { sweepExpiredSessions } from './auth/session-sweeper';
import { SigningKeys } from './auth/signing-keys';
import { loadConfig } from './config';
import { createHttpServer } from './http-server';
import { openStore } from './store/open-store';
import { connectRedis } from './throttle-store';

/** Reads the environment, seeds the demo user, listens, and shuts down cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config = loadConfig(process.env);
  const logger = pino({ level: config.logLevel });
  const store = await openStore(config, (error) => logger.warn({ err: error }, 'Database connection lost'));
  // Instances on several machines each generate a secret in their own DATA_DIR; the database keeps the first one
  // offered, so every instance signs and MACs with the same one.
  if (store.kind === 'postgres' && !process.env['JWT_SECRET']?.trim()) {
    config = { ...config, jwtSecret: await store.sharedSetting('jwt-secret', config.jwtSecret) };
  }
  const now = () => Date.now();

  await seedUser(store, new PasswordHasher(), { userName: config.demoUser, password: config.demoPassword }, now());
  const stopSweeping = sweepExpiredSessions(store, now, config.sweepIntervalSeconds);
  const keys = config.jwtAlg === 'ES256' ? await SigningKeys.load(store, now, config) : undefined;
  const stopKeys = keys?.start(config.keyRotationDays);

  const redis = config.redisUrl ? connectRedis(config.redisUrl, (error) => logger.warn({ err: error }, 'Redis unavailable')) : undefined;
  const server = createHttpServer(createApp({ config, store, keys, now, logger, redis }), config);
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
    void store.close();
    process.exitCode = 1;
  });

  const shutDown = (signal: string) => {
    logger.info(`${signal} received, shutting down`);
    stopSweeping();
    stopKeys?.();
    // Requests in flight finish (they may still need the database); then the connections close.
    server.close(() => {
      redis?.destroy();
      void store.close().finally(() => process.exit(0));
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

import type { Config } from '../config';
import type { AuthStore } from './auth-store';
import { PostgresStore } from './postgres-store';
import { SqliteStore } from './sqlite-store';

/** The store the config names: PostgreSQL for DATABASE_URL, else SQLite in DATA_DIR. Migrates before it resolves. */
export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'dataDir'>,
  onError?: (error: unknown) => void,
): Promise<AuthStore> {
  return config.databaseUrl
    ? PostgresStore.open(config.databaseUrl, { onError, poolSize: config.databasePoolSize })
    : SqliteStore.open(config.dataDir);
}

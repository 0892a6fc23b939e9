import { join } from 'node:path';
import { Redis } from 'ioredis';
import { publicBaseUrl, type Env } from './config/config';
import { loadSecrets, type Secrets } from './crypto/keys';
import { openEmbeddedDatabase, openPostgresDatabase, type Database } from './db/database';
import { createObjectStorage } from './storage/create-object-storage';
import type { ObjectStorage } from './storage/object-storage';

/** The backing services of one process, each on its embedded driver or its production one. */
export interface Infrastructure {
  db: Database;
  redis?: Redis;
  storage: ObjectStorage;
  secrets: Secrets;
  /** The base URL clients reach this server at (PUBLIC_URL, else http://HOST:PORT). */
  publicUrl: () => string;
  mode: { database: 'pglite' | 'postgres'; redis: 'redis' | 'in-process'; storage: 's3' | 'local' };
  close(): Promise<void>;
}

export async function openInfrastructure(env: Env, log: (message: string) => void): Promise<Infrastructure> {
  const secrets = loadSecrets(env, log);
  const db = env.DATABASE_URL
    ? openPostgresDatabase(env.DATABASE_URL, env.DATABASE_POOL_SIZE, (error) =>
        log(`an idle database connection was closed by the server (${error.message}); the pool replaces it`),
      )
    : await openEmbeddedDatabase({ dataDir: join(env.DATA_DIR) });
  const redis = env.REDIS_URL
    ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: false })
    : undefined;
  const storage = createObjectStorage(env, secrets);
  const publicUrl = publicBaseUrl(env);
  return {
    db,
    redis,
    storage,
    secrets,
    publicUrl: () => publicUrl,
    mode: { database: db.driver, redis: redis ? 'redis' : 'in-process', storage: storage.driver },
    async close() {
      await storage.close();
      await db.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

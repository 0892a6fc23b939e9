import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { openEmbeddedDatabase, openPostgresDatabase, type Database } from '../src/db/database';
import { createScratchDatabase } from './scratch-postgres';

/**
 * Integration tests run against every backend available: always the embedded default (PGlite, in-process
 * state), and PostgreSQL + Redis as well whenever DATABASE_URL / REDIS_URL are set (CI sets both).
 * Each opened backend is a fresh, migrated database of its own.
 */
export interface OpenBackend {
  db: Database;
  redis?: Redis;
  /** Unique per backend instance: prefixes shared Redis keys. */
  keyPrefix: string;
  /** A connection string for tools such as pg_dump (Postgres only). */
  connectionString?: string;
  close(): Promise<void>;
}

export interface Backend {
  name: 'embedded' | 'postgres';
  open(options?: { dataDir?: string }): Promise<OpenBackend>;
}

const embedded: Backend = {
  name: 'embedded',
  async open(options = {}) {
    const db = await openEmbeddedDatabase({ dataDir: options.dataDir });
    await db.migrate();
    return { db, keyPrefix: `test-${randomBytes(4).toString('hex')}`, close: () => db.close() };
  },
};

function postgres(adminUrl: string, redisUrl: string | undefined): Backend {
  return {
    name: 'postgres',
    async open() {
      const scratch = await createScratchDatabase(adminUrl, 'rosin_test');
      const name = scratch.name;
      const db = openPostgresDatabase(scratch.url, 10);
      await db.migrate();
      const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
      return {
        db,
        redis,
        keyPrefix: name,
        connectionString: scratch.url,
        async close() {
          await db.close();
          if (redis) {
            const keys = await redis.keys(`${name}:*`);
            if (keys.length) await redis.del(...keys);
            await redis.quit();
          }
          await scratch.drop();
        },
      };
    },
  };
}

export const backends: Backend[] = [
  embedded,
  ...(process.env.DATABASE_URL ? [postgres(process.env.DATABASE_URL, process.env.REDIS_URL)] : []),
];

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Secrets } from '../src/crypto/keys';
import { openEmbeddedDatabase, openPostgresDatabase, type Database } from '../src/db/database';
import { openTempLocalStorage } from '../src/storage/create-object-storage';
import { deriveLocalStorageSigningKey } from '../src/storage/local-url-signing';
import type { ObjectStorage } from '../src/storage/object-storage';
import { S3ObjectStorage, type S3ObjectStorageOptions } from '../src/storage/s3-object-storage';
import { startS3rver } from './s3rver';
import { createScratchDatabase } from './scratch-postgres';

/** Where the local driver's URLs point in tests: requests to it are injected into the app under test. */
export const TEST_PUBLIC_URL = 'http://rosin.test';

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
  /** Local files (embedded) or S3 on an s3rver started for this backend (postgres). */
  storage: ObjectStorage;
  /** Postgres only: how to reach that s3rver (for a process started beside the test, e.g. `npm run worker`). */
  s3?: S3ObjectStorageOptions;
  close(): Promise<void>;
}

export interface Backend {
  name: 'embedded' | 'postgres';
  /** `secrets` sign the local driver's URLs; pass the app's. */
  open(options?: { dataDir?: string; secrets?: Secrets }): Promise<OpenBackend>;
}

async function openS3Storage() {
  const server = await startS3rver();
  const storage = new S3ObjectStorage(server.options);
  return {
    storage,
    options: server.options,
    async close() {
      await storage.close();
      await server.close();
    },
  };
}

const embedded: Backend = {
  name: 'embedded',
  async open(options = {}) {
    const db = await openEmbeddedDatabase({ dataDir: options.dataDir });
    await db.migrate();
    const objects = await openTempLocalStorage({
      publicUrl: TEST_PUBLIC_URL,
      signingKey: options.secrets ? deriveLocalStorageSigningKey(options.secrets) : randomBytes(32),
    });
    return {
      db,
      storage: objects.storage,
      keyPrefix: `test-${randomBytes(4).toString('hex')}`,
      async close() {
        await db.close();
        await objects.close();
      },
    };
  },
};

function postgres(adminUrl: string, redisUrl: string | undefined): Backend {
  return {
    name: 'postgres',
    async open() {
      const objects = await openS3Storage();
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
        storage: objects.storage,
        s3: objects.options,
        async close() {
          await db.close();
          await objects.close();
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

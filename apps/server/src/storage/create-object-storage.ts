import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, publicBaseUrl, type Env } from '../config/config';
import type { Secrets } from '../crypto/keys';
import { LocalObjectStorage } from './local-object-storage';
import { deriveLocalStorageSigningKey } from './local-url-signing';
import { S3ObjectStorage } from './s3-object-storage';

export type StorageEnv = Pick<
  Env,
  | 'DATA_DIR'
  | 'HOST'
  | 'PORT'
  | 'PUBLIC_URL'
  | 'S3_ENDPOINT'
  | 'S3_BUCKET'
  | 'S3_REGION'
  | 'S3_ACCESS_KEY_ID'
  | 'S3_SECRET_ACCESS_KEY'
  | 'S3_PUBLIC_ENDPOINT'
>;

export type ConfiguredObjectStorage = LocalObjectStorage | S3ObjectStorage;

/**
 * S3 when S3_ENDPOINT is set (config.ts then requires the bucket and credentials), otherwise files under
 * DATA_DIR served by this server at PUBLIC_URL (default `http://HOST:PORT`; set PUBLIC_URL whenever clients
 * reach the server at another address, e.g. a phone on the LAN). The local driver needs
 * `registerObjectStorageRoutes` on the app.
 */
export function createObjectStorage(env: StorageEnv, secrets: Secrets): ConfiguredObjectStorage {
  if (env.S3_ENDPOINT) {
    if (!env.S3_BUCKET || !env.S3_ACCESS_KEY_ID || !env.S3_SECRET_ACCESS_KEY) {
      throw new ConfigError(
        'S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required with S3_ENDPOINT',
      );
    }
    return new S3ObjectStorage({
      endpoint: env.S3_ENDPOINT,
      publicEndpoint: env.S3_PUBLIC_ENDPOINT || undefined,
      region: env.S3_REGION,
      bucket: env.S3_BUCKET,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    });
  }
  return new LocalObjectStorage({
    dataDir: join(env.DATA_DIR),
    publicUrl: publicBaseUrl(env),
    signingKey: deriveLocalStorageSigningKey(secrets),
  });
}

export interface TempLocalStorage {
  storage: LocalObjectStorage;
  /** The temp folder (callers may keep scratch files of their own in it; `close()` removes it all). */
  dataDir: string;
  close(): Promise<void>;
}

/** Local storage in a fresh temp folder, removed by `close()`: for tests, benchmarks and tools that need a store. */
export async function openTempLocalStorage(options: {
  signingKey: Buffer;
  publicUrl: string;
}): Promise<TempLocalStorage> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rosin-objects-'));
  const storage = new LocalObjectStorage({ dataDir, ...options });
  return {
    storage,
    dataDir,
    async close() {
      await storage.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

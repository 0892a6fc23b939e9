import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3ObjectStorageOptions } from '../src/storage/s3-object-storage';

export const S3RVER_BUCKET = 'rosin-test';

/** s3rver (an S3-compatible server from npm) on 127.0.0.1, a random port and a temp directory, with one bucket. */
export async function startS3rver(): Promise<{ options: S3ObjectStorageOptions; close(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'rosin-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: S3RVER_BUCKET }],
  });
  const { port } = await server.run();
  return {
    options: {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket: S3RVER_BUCKET,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_BUCKET, startS3rver } from '../../test/s3rver';
import { contentMd5Base64, newObjectKey } from './object-storage';
import { describeObjectStorageContract, type ContractTarget } from './object-storage-contract';
import { S3ObjectStorage } from './s3-object-storage';

const BUCKET = S3RVER_BUCKET;

async function openS3rverTarget(): Promise<ContractTarget> {
  const server = await startS3rver();
  const storage = new S3ObjectStorage(server.options);
  return {
    storage,
    async close() {
      await storage.close();
      await server.close();
    },
  };
}

describeObjectStorageContract('S3 driver on s3rver', openS3rverTarget, { lenientStore: true });

// A real S3-compatible store (MinIO, AWS…), when the environment names one: the full contract, strict checks
// included. Its bucket must exist; the tests write only fresh random keys and delete nothing else.
const real = process.env.S3_ENDPOINT;
if (real && process.env.S3_BUCKET && process.env.S3_ACCESS_KEY_ID && process.env.S3_SECRET_ACCESS_KEY) {
  describeObjectStorageContract(
    `S3 driver on ${real}`,
    async () => {
      const storage = new S3ObjectStorage({
        endpoint: real,
        region: process.env.S3_REGION ?? 'us-east-1',
        bucket: process.env.S3_BUCKET!,
        accessKeyId: process.env.S3_ACCESS_KEY_ID!,
        secretAccessKey: process.env.S3_SECRET_ACCESS_KEY!,
      });
      return { storage, close: () => storage.close() };
    },
    { lenientStore: false },
  );
}

describe('S3ObjectStorage presigned URLs', () => {
  let server: Awaited<ReturnType<typeof startS3rver>>;
  let storage: S3ObjectStorage;
  beforeAll(async () => {
    server = await startS3rver();
    storage = new S3ObjectStorage(server.options);
  });
  afterAll(async () => {
    await storage?.close();
    await server?.close();
  });

  async function presignPart(target: S3ObjectStorage) {
    const key = newObjectKey('videos', 'mp4');
    const { storageUploadId } = await storage.createMultipartUpload(key, 'video/mp4');
    return target.presignUploadPart({
      key,
      storageUploadId,
      partNumber: 7,
      contentMd5Base64: contentMd5Base64(Buffer.from('part seven')),
      sizeBytes: 10,
      expiresInSeconds: 120,
    });
  }

  // s3rver does not check SigV4 signatures, so prove what S3 will check: the part's MD5 and length are
  // signed headers, and no SDK checksum of an empty body sneaks into the URL.
  it('signs the part Content-MD5 and length, and nothing the client cannot send', async () => {
    const presigned = await presignPart(storage);
    const url = new URL(presigned.url);
    expect(presigned.method).toBe('PUT');
    expect(presigned.headers).toEqual({ 'Content-MD5': contentMd5Base64(Buffer.from('part seven')) });
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual([
      'content-length',
      'content-md5',
      'host',
    ]);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
    expect(url.searchParams.get('partNumber')).toBe('7');
    expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    expect(url.pathname.startsWith(`/${BUCKET}/videos/`)).toBe(true); // path style
  });

  it('signs URLs for the public endpoint when the server reaches the store elsewhere', async () => {
    const publicStorage = new S3ObjectStorage({
      ...server.options,
      publicEndpoint: 'https://media.example.test',
    });
    try {
      expect(new URL((await presignPart(publicStorage)).url).origin).toBe('https://media.example.test');
      const read = new URL(
        await publicStorage.presignGet(newObjectKey('videos', 'mp4'), { expiresInSeconds: 60 }),
      );
      expect(read.origin).toBe('https://media.example.test');
    } finally {
      await publicStorage.close();
    }
  });
});

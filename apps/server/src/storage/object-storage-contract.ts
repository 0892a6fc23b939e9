import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contentMd5Base64,
  etagFromContentMd5,
  MIN_PART_SIZE_BYTES,
  newObjectKey,
  newObjectKeyBeside,
  objectFolderOf,
  StorageError,
  type ObjectStorage,
  type StorageErrorCode,
} from './object-storage';

/**
 * The behaviour every ObjectStorage driver must have, run against each (local files, s3rver, and a real S3
 * store when one is configured). Clients talk to presigned URLs with plain `fetch`, as the app will.
 */
export interface ContractTarget {
  storage: ObjectStorage;
  close(): Promise<void>;
}

export interface ContractOptions {
  /**
   * s3rver, the S3 test server, checks neither signatures nor Content-MD5 against the bytes, does not
   * implement AbortMultipartUpload and does not compare part ETags or sizes on completion. Those checks are
   * real S3's (and MinIO's); the tests that need them run only against stores that have them.
   */
  lenientStore: boolean;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function putPart(
  storage: ObjectStorage,
  request: { key: string; storageUploadId: string; partNumber: number; bytes: Uint8Array },
  overrides: { headers?: Record<string, string>; signedBytes?: Uint8Array } = {},
): Promise<Response> {
  const signed = overrides.signedBytes ?? request.bytes;
  const presigned = await storage.presignUploadPart({
    key: request.key,
    storageUploadId: request.storageUploadId,
    partNumber: request.partNumber,
    contentMd5Base64: contentMd5Base64(signed),
    sizeBytes: signed.length,
    expiresInSeconds: 300,
  });
  return fetch(presigned.url, {
    method: presigned.method,
    headers: overrides.headers ?? presigned.headers,
    body: request.bytes,
  });
}

export async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe(code);
}

export function describeObjectStorageContract(
  name: string,
  open: () => Promise<ContractTarget>,
  options: ContractOptions,
): void {
  describe(`ObjectStorage contract: ${name}`, () => {
    let target: ContractTarget;
    let storage: ObjectStorage;
    let scratch: string;

    beforeAll(async () => {
      target = await open();
      storage = target.storage;
      scratch = await mkdtemp(join(tmpdir(), 'rosin-storage-contract-'));
    });
    afterAll(async () => {
      await target?.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    /** Two full-size parts and a short last one. */
    const source = randomBytes(2 * MIN_PART_SIZE_BYTES + 1_536 * 1024);
    const slices = [
      source.subarray(0, MIN_PART_SIZE_BYTES),
      source.subarray(MIN_PART_SIZE_BYTES, 2 * MIN_PART_SIZE_BYTES),
      source.subarray(2 * MIN_PART_SIZE_BYTES),
    ];
    const partsOf = (chunks: Uint8Array[]) =>
      chunks.map((bytes, index) => ({
        partNumber: index + 1,
        etag: etagFromContentMd5(contentMd5Base64(bytes)),
      }));

    it('uploads a multi-part file through presigned URLs and serves it back byte-identical', async () => {
      const key = newObjectKey('videos', 'mp4');
      const { storageUploadId } = await storage.createMultipartUpload(key, 'video/mp4');

      // Out of order, as a resumed upload may send them; each answer carries the part's ETag.
      for (const index of [2, 0, 1]) {
        const bytes = slices[index]!;
        const response = await putPart(storage, { key, storageUploadId, partNumber: index + 1, bytes });
        expect(response.status).toBe(200);
        expect(response.headers.get('etag')).toBe(etagFromContentMd5(contentMd5Base64(bytes)));
      }

      const info = await storage.completeMultipartUpload({ key, storageUploadId, parts: partsOf(slices) });
      expect(info.sizeBytes).toBe(source.length);
      expect(await storage.headObject(key)).toEqual(info);
      // Completing again (a retried request) changes nothing.
      expect(await storage.completeMultipartUpload({ key, storageUploadId, parts: partsOf(slices) })).toEqual(
        info,
      );

      const response = await fetch(await storage.presignGet(key, { expiresInSeconds: 60 }));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('video/mp4');
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(source));

      const downloaded = join(scratch, 'download', 'video.mp4');
      await storage.downloadToFile(key, downloaded);
      expect(sha256(await readFile(downloaded))).toBe(sha256(source));

      const asQuickTime = await fetch(
        await storage.presignGet(key, { expiresInSeconds: 60, contentType: 'video/quicktime' }),
      );
      expect(asQuickTime.headers.get('content-type')).toBe('video/quicktime');
      await asQuickTime.arrayBuffer();
    });

    it('accepts the same part again (a retried PUT) and keeps one copy of it', async () => {
      const key = newObjectKey('videos', 'mp4');
      const { storageUploadId } = await storage.createMultipartUpload(key, 'video/mp4');
      const chunks = [slices[0]!, slices[2]!];
      const presigned = await storage.presignUploadPart({
        key,
        storageUploadId,
        partNumber: 1,
        contentMd5Base64: contentMd5Base64(chunks[0]!),
        sizeBytes: chunks[0]!.length,
        expiresInSeconds: 300,
      });
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await fetch(presigned.url, {
          method: 'PUT',
          headers: presigned.headers,
          body: chunks[0],
        });
        expect(response.status).toBe(200);
      }
      expect(
        (await putPart(storage, { key, storageUploadId, partNumber: 1, bytes: chunks[0]! })).status,
      ).toBe(200);
      expect(
        (await putPart(storage, { key, storageUploadId, partNumber: 2, bytes: chunks[1]! })).status,
      ).toBe(200);

      const info = await storage.completeMultipartUpload({ key, storageUploadId, parts: partsOf(chunks) });
      expect(info.sizeBytes).toBe(chunks[0]!.length + chunks[1]!.length);
      const response = await fetch(await storage.presignGet(key, { expiresInSeconds: 60 }));
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(Buffer.concat(chunks)));
    });

    it.skipIf(options.lenientStore)('rejects a part whose bytes do not match its Content-MD5', async () => {
      const key = newObjectKey('videos', 'mp4');
      const { storageUploadId } = await storage.createMultipartUpload(key, 'video/mp4');
      const bytes = Buffer.from(slices[2]!);
      const corrupted = Buffer.from(bytes);
      corrupted[1000] = corrupted[1000]! ^ 0xff;

      const response = await putPart(
        storage,
        { key, storageUploadId, partNumber: 1, bytes: corrupted },
        { signedBytes: bytes },
      );
      expect(response.status).toBe(400);
      await response.arrayBuffer();
      // The corrupted part was not kept.
      await rejectsWith(
        storage.completeMultipartUpload({ key, storageUploadId, parts: partsOf([bytes]) }),
        'INVALID_PART',
      );

      expect((await putPart(storage, { key, storageUploadId, partNumber: 1, bytes })).status).toBe(200);
      const info = await storage.completeMultipartUpload({ key, storageUploadId, parts: partsOf([bytes]) });
      expect(info.sizeBytes).toBe(bytes.length);
    });

    it.skipIf(options.lenientStore)('refuses a part sent without the signed Content-MD5 header', async () => {
      const key = newObjectKey('videos', 'mp4');
      const { storageUploadId } = await storage.createMultipartUpload(key, 'video/mp4');
      const bytes = slices[2]!;
      const other = contentMd5Base64(randomBytes(16));
      const attempts: Record<string, string>[] = [{}, { 'Content-MD5': other }];
      for (const headers of attempts) {
        const response = await putPart(storage, { key, storageUploadId, partNumber: 1, bytes }, { headers });
        expect(response.status).toBe(403);
        await response.arrayBuffer();
      }
      await storage.abortMultipartUpload(key, storageUploadId);
    });

    it.skipIf(options.lenientStore)('checks the listed parts on completion', async () => {
      const key = newObjectKey('videos', 'mp4');
      const { storageUploadId } = await storage.createMultipartUpload(key, 'video/mp4');
      const small = randomBytes(1024);
      expect((await putPart(storage, { key, storageUploadId, partNumber: 1, bytes: small })).status).toBe(
        200,
      );
      expect((await putPart(storage, { key, storageUploadId, partNumber: 2, bytes: small })).status).toBe(
        200,
      );

      const etag = etagFromContentMd5(contentMd5Base64(small));
      await rejectsWith(
        storage.completeMultipartUpload({ key, storageUploadId, parts: [{ partNumber: 3, etag }] }),
        'INVALID_PART',
      );
      await rejectsWith(
        storage.completeMultipartUpload({
          key,
          storageUploadId,
          parts: [{ partNumber: 1, etag: etagFromContentMd5(contentMd5Base64(randomBytes(8))) }],
        }),
        'INVALID_PART',
      );
      await rejectsWith(
        storage.completeMultipartUpload({ key, storageUploadId, parts: partsOf([small, small]) }),
        'PART_TOO_SMALL',
      );
      // A single part may be small: it is the last one.
      const info = await storage.completeMultipartUpload({ key, storageUploadId, parts: partsOf([small]) });
      expect(info.sizeBytes).toBe(small.length);
    });

    it.skipIf(options.lenientStore)(
      'aborts an upload: its parts are gone and it cannot complete',
      async () => {
        const key = newObjectKey('videos', 'mp4');
        const { storageUploadId } = await storage.createMultipartUpload(key, 'video/mp4');
        const bytes = randomBytes(1024);
        expect((await putPart(storage, { key, storageUploadId, partNumber: 1, bytes })).status).toBe(200);

        await storage.abortMultipartUpload(key, storageUploadId);
        await storage.abortMultipartUpload(key, storageUploadId); // again: not an error
        const late = await putPart(storage, { key, storageUploadId, partNumber: 2, bytes });
        expect(late.status).toBe(404);
        await late.arrayBuffer();
        await rejectsWith(
          storage.completeMultipartUpload({ key, storageUploadId, parts: partsOf([bytes]) }),
          'NO_SUCH_UPLOAD',
        );
        expect(await storage.headObject(key)).toBeUndefined();
      },
    );

    it('puts, copies and deletes whole objects', async () => {
      const temp = newObjectKey('thumbnails', 'txt');
      await storage.putObject(temp, Buffer.from('hello, rosin'), 'text/plain; charset=utf-8');
      expect(await storage.headObject(temp)).toEqual({
        sizeBytes: 12,
        etag: etagFromContentMd5(contentMd5Base64(Buffer.from('hello, rosin'))),
      });

      // Commit by copy + delete, as workers do.
      const final = newObjectKeyBeside(temp, 'txt');
      expect(objectFolderOf(final)).toBe(objectFolderOf(temp));
      await storage.copyObject(temp, final);
      await storage.deleteObject(temp);
      await storage.deleteObject(temp); // again: not an error
      expect(await storage.headObject(temp)).toBeUndefined();
      const response = await fetch(await storage.presignGet(final, { expiresInSeconds: 60 }));
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await response.text()).toBe('hello, rosin');

      await rejectsWith(storage.copyObject(temp, newObjectKey('thumbnails', 'txt')), 'NO_SUCH_KEY');
      await rejectsWith(storage.downloadToFile(temp, join(scratch, 'missing.txt')), 'NO_SUCH_KEY');
    });

    it('streams a long body of unknown length into one object', async () => {
      const key = newObjectKey('renditions', 'mp4');
      const bytes = randomBytes(9 * 1024 * 1024 + 123);
      const chunks = Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, index) =>
        bytes.subarray(index * 65_536, (index + 1) * 65_536),
      );
      await storage.putObject(key, Readable.from(chunks), 'video/mp4');
      expect((await storage.headObject(key))?.sizeBytes).toBe(bytes.length);
      const downloaded = join(scratch, 'rendition.mp4');
      await storage.downloadToFile(key, downloaded);
      expect(sha256(await readFile(downloaded))).toBe(sha256(bytes));
    });

    it('deletes a folder of objects and nothing else', async () => {
      const first = newObjectKey('videos', 'mp4');
      const beside = newObjectKeyBeside(first, 'jpg');
      const elsewhere = newObjectKey('videos', 'mp4');
      for (const key of [first, beside, elsewhere])
        await storage.putObject(key, randomBytes(64), 'video/mp4');

      await storage.deletePrefix(objectFolderOf(first));
      expect(await storage.headObject(first)).toBeUndefined();
      expect(await storage.headObject(beside)).toBeUndefined();
      expect(await storage.headObject(elsewhere)).toBeDefined();
      await storage.deletePrefix(objectFolderOf(first)); // again: not an error

      await expect(storage.deletePrefix('')).rejects.toThrow(TypeError);
      await expect(storage.deletePrefix('videos')).rejects.toThrow(TypeError);
    });
  });
}

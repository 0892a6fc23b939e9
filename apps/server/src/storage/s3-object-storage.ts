import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertValidContentType,
  assertValidExpiry,
  assertValidObjectKey,
  assertValidObjectPrefix,
  assertValidPartRequest,
  contentMd5Base64,
  MIN_PART_SIZE_BYTES,
  sortedParts,
  StorageError,
  type CompleteMultipartUploadRequest,
  type ObjectInfo,
  type ObjectStorage,
  type PresignedRequest,
  type PresignUploadPartRequest,
} from './object-storage';

export interface S3ObjectStorageOptions {
  /** S3_ENDPOINT, e.g. `https://s3.eu-west-1.amazonaws.com` or a MinIO/R2/… URL. */
  endpoint: string;
  /**
   * Where clients reach the store, if not at `endpoint` (e.g. the server talks to `http://minio:9000` inside
   * a cluster but phones need `https://media.example.com`). Presigned URLs are signed for this host.
   */
  publicEndpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Parts of streamed `putObject` bodies: large enough for S3, small enough to hold in memory. */
const STREAM_PART_SIZE_BYTES = Math.max(MIN_PART_SIZE_BYTES, 8 * 1024 * 1024);
const DELETE_BATCH = 1000;

/**
 * S3-compatible object storage (AWS S3, MinIO, R2, …) through the AWS SDK v3. Path-style addressing, so any
 * endpoint works without bucket DNS names. Relies only on the core API: no ListParts, no lib-storage.
 */
export class S3ObjectStorage implements ObjectStorage {
  readonly driver = 's3' as const;
  private readonly client: S3Client;
  private readonly presignClient: S3Client;
  private readonly bucket: string;

  constructor(options: S3ObjectStorageOptions) {
    const clientFor = (endpoint: string) =>
      new S3Client({
        endpoint,
        region: options.region,
        forcePathStyle: true,
        credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
        // The SDK's default (WHEN_SUPPORTED) adds CRC32 checksums of the (empty) body to presigned part URLs,
        // which the store then rejects, and not every S3-compatible store knows them. Content-MD5 is enough.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
    this.client = clientFor(options.endpoint);
    this.presignClient = options.publicEndpoint ? clientFor(options.publicEndpoint) : this.client;
    this.bucket = options.bucket;
  }

  async createMultipartUpload(key: string, contentType: string): Promise<{ storageUploadId: string }> {
    assertValidObjectKey(key);
    assertValidContentType(contentType);
    const result = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
    );
    if (!result.UploadId) throw new Error('The store returned no upload id');
    return { storageUploadId: result.UploadId };
  }

  async presignUploadPart(request: PresignUploadPartRequest): Promise<PresignedRequest> {
    assertValidPartRequest(request);
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: request.key,
      UploadId: request.storageUploadId,
      PartNumber: request.partNumber,
      ContentMD5: request.contentMd5Base64,
      ContentLength: request.sizeBytes,
    });
    // Content-MD5 and Content-Length stay headers and are signed: the store refuses a request without exactly
    // these values (SignatureDoesNotMatch) and bytes that do not match the MD5 (BadDigest). The client's HTTP
    // stack sets Content-Length from the body itself.
    const url = await getSignedUrl(this.presignClient, command, {
      expiresIn: request.expiresInSeconds,
      signableHeaders: new Set(['content-md5', 'content-length']),
    });
    return { url, method: 'PUT', headers: { 'Content-MD5': request.contentMd5Base64 } };
  }

  async completeMultipartUpload(request: CompleteMultipartUploadRequest): Promise<ObjectInfo> {
    assertValidObjectKey(request.key);
    const parts = sortedParts(request.parts);
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: request.key,
          UploadId: request.storageUploadId,
          MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
        }),
      );
    } catch (error) {
      // Completing twice: the upload is gone but its object is there (keys are used once).
      const existing = await this.headObject(request.key);
      if (existing) return existing;
      throw storageError(error);
    }
    const info = await this.headObject(request.key);
    if (!info) throw new Error('The completed object is not visible');
    return info;
  }

  async abortMultipartUpload(key: string, storageUploadId: string): Promise<void> {
    assertValidObjectKey(key);
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: storageUploadId }),
      );
    } catch (error) {
      if (errorName(error) !== 'NoSuchUpload') throw storageError(error);
    }
  }

  async presignGet(
    key: string,
    options: { expiresInSeconds: number; contentType?: string },
  ): Promise<string> {
    assertValidObjectKey(key);
    assertValidExpiry(options.expiresInSeconds);
    if (options.contentType !== undefined) assertValidContentType(options.contentType);
    return getSignedUrl(
      this.presignClient,
      new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentType: options.contentType }),
      { expiresIn: options.expiresInSeconds },
    );
  }

  async putObject(key: string, body: Buffer | Readable, contentType: string): Promise<void> {
    assertValidObjectKey(key);
    assertValidContentType(contentType);
    if (Buffer.isBuffer(body)) return this.putBuffer(key, body, contentType);

    // A stream of unknown length: S3 needs every request's length up front, so read it in parts; a short
    // stream is one PUT, a long one a multipart upload (aborted if anything fails).
    const chunks = fixedSizeChunks(body, STREAM_PART_SIZE_BYTES);
    const first = await chunks.next();
    const second = first.done ? first : await chunks.next();
    if (second.done) return this.putBuffer(key, first.done ? Buffer.alloc(0) : first.value, contentType);

    const { storageUploadId } = await this.createMultipartUpload(key, contentType);
    try {
      const parts: { partNumber: number; etag: string }[] = [];
      const uploadPart = async (bytes: Buffer) => {
        const partNumber = parts.length + 1;
        const result = await this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: storageUploadId,
            PartNumber: partNumber,
            Body: bytes,
            ContentLength: bytes.length,
            ContentMD5: contentMd5Base64(bytes),
          }),
        );
        if (!result.ETag) throw new Error('The store returned no part ETag');
        parts.push({ partNumber, etag: result.ETag });
      };
      if (!first.done) await uploadPart(first.value);
      await uploadPart(second.value);
      for await (const bytes of chunks) await uploadPart(bytes);
      await this.completeMultipartUpload({ key, storageUploadId, parts });
    } catch (error) {
      await this.abortMultipartUpload(key, storageUploadId).catch(() => undefined);
      throw error;
    }
  }

  async downloadToFile(key: string, path: string): Promise<void> {
    assertValidObjectKey(key);
    let body: Readable;
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!(result.Body instanceof Readable)) throw new Error('Expected a Node.js stream body');
      body = result.Body;
    } catch (error) {
      throw storageError(error);
    }
    await mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx', flush: true }));
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async readSmallObject(key: string, maxBytes: number): Promise<Buffer> {
    assertValidObjectKey(key);
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if ((result.ContentLength ?? 0) > maxBytes) {
        result.Body?.transformToWebStream()
          .cancel()
          .catch(() => {});
        throw new RangeError(`The object is larger than ${maxBytes} bytes`);
      }
      if (!result.Body) throw new Error('Expected a body');
      return Buffer.from(await result.Body.transformToByteArray());
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw storageError(error);
    }
  }

  async headObject(key: string): Promise<ObjectInfo | undefined> {
    assertValidObjectKey(key);
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { sizeBytes: result.ContentLength ?? 0, etag: result.ETag ?? '' };
    } catch (error) {
      if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return undefined;
      throw storageError(error);
    }
  }

  /** One CopyObject request: objects up to 5 GB (S3's limit for a single copy). */
  async copyObject(fromKey: string, toKey: string): Promise<void> {
    assertValidObjectKey(fromKey);
    assertValidObjectKey(toKey);
    if (fromKey === toKey) return;
    try {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: `${this.bucket}/${fromKey}` }),
      );
    } catch (error) {
      throw storageError(error);
    }
  }

  async deleteObject(key: string): Promise<void> {
    assertValidObjectKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertValidObjectPrefix(prefix);
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: DELETE_BATCH,
          ContinuationToken: continuationToken,
        }),
      );
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
      if (keys.length > 0) {
        const result = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
        );
        const failed = result.Errors ?? [];
        if (failed.length > 0) {
          throw new Error(`Could not delete ${failed.length} objects under ${prefix}: ${failed[0]?.Code}`);
        }
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  async close(): Promise<void> {
    this.client.destroy();
    if (this.presignClient !== this.client) this.presignClient.destroy();
  }

  private async putBuffer(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ContentLength: body.length,
        ContentMD5: contentMd5Base64(body),
      }),
    );
  }
}

/** Re-chunks a stream into buffers of exactly `size` bytes (the last one shorter, never empty). */
async function* fixedSizeChunks(stream: Readable, size: number): AsyncGenerator<Buffer, void, undefined> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    while (pendingBytes + bytes.length >= size) {
      const take = size - pendingBytes;
      yield Buffer.concat([...pending, bytes.subarray(0, take)]);
      bytes = bytes.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (bytes.length > 0) {
      pending.push(bytes);
      pendingBytes += bytes.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

function errorName(error: unknown): string | undefined {
  return error instanceof S3ServiceException ? error.name : undefined;
}

/** S3 errors a caller may act on become StorageErrors; anything else passes through unchanged. */
function storageError(error: unknown): unknown {
  switch (errorName(error)) {
    case 'NoSuchUpload':
      return new StorageError('NO_SUCH_UPLOAD', 'The upload does not exist', { cause: error });
    case 'InvalidPart':
    case 'InvalidPartOrder':
      return new StorageError('INVALID_PART', 'A part is missing or does not match its ETag', {
        cause: error,
      });
    case 'EntityTooSmall':
      return new StorageError('PART_TOO_SMALL', 'A part is smaller than the minimum part size', {
        cause: error,
      });
    case 'NoSuchKey':
    case 'NotFound':
      return new StorageError('NO_SUCH_KEY', 'The object does not exist', { cause: error });
    default:
      return error;
  }
}

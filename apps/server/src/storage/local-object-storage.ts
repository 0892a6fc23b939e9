import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../http/app-error';
import { LocalUrlSigner, type GetClaims, type PartClaims } from './local-url-signing';
import {
  assertValidContentType,
  assertValidExpiry,
  assertValidObjectKey,
  assertValidObjectPrefix,
  assertValidPartRequest,
  MIN_PART_SIZE_BYTES,
  sortedParts,
  StorageError,
  unquoteEtag,
  type CompleteMultipartUploadRequest,
  type ObjectInfo,
  type ObjectStorage,
  type PresignedRequest,
  type PresignUploadPartRequest,
} from './object-storage';

export interface LocalObjectStorageOptions {
  /** Objects live in `<dataDir>/objects`, upload parts are staged in `<dataDir>/multipart/<uploadId>/`. */
  dataDir: string;
  /**
   * The base URL clients reach this server at (PUBLIC_URL), under which `registerLocalStorageRoutes` serves
   * `/storage/…`. A function when it is known only once the server listens.
   */
  publicUrl: string | (() => string);
  /** `deriveLocalStorageSigningKey(secrets)`. */
  signingKey: Buffer;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

interface ObjectMeta {
  contentType: string;
  etag: string;
  sizeBytes: number;
}

interface UploadMeta {
  key: string;
  contentType: string;
}

/** What a signed GET serves. */
export interface SignedRead {
  stream: ReadStream;
  sizeBytes: number;
  contentType: string;
  etag: string;
  /** Seconds until the URL expires. */
  expiresInSeconds: number;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * The embedded default's object store: plain files under DATA_DIR, URLs this server signs (HMAC) and serves
 * itself (`local-storage-routes.ts`). Every write is atomic: a temp file (a dot-name no key can have) in the
 * destination directory, flushed, then renamed into place. Meant for one process (the embedded mode's lock).
 */
export class LocalObjectStorage implements ObjectStorage {
  readonly driver = 'local' as const;
  private readonly objectsDir: string;
  private readonly multipartDir: string;
  private readonly signer: LocalUrlSigner;
  private readonly now: () => number;
  /** Completion and abort of one upload run one at a time. */
  private readonly uploadLocks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: LocalObjectStorageOptions) {
    this.objectsDir = join(options.dataDir, 'objects');
    this.multipartDir = join(options.dataDir, 'multipart');
    this.signer = new LocalUrlSigner(options.signingKey);
    this.now = options.now ?? Date.now;
  }

  async createMultipartUpload(key: string, contentType: string): Promise<{ storageUploadId: string }> {
    assertValidObjectKey(key);
    assertValidContentType(contentType);
    const storageUploadId = randomUUID();
    const dir = this.uploadDir(storageUploadId);
    await mkdir(dir, { recursive: true });
    const meta: UploadMeta = { key, contentType };
    await writeAtomically(join(dir, 'upload.json'), (path) => writeFile(path, JSON.stringify(meta)));
    return { storageUploadId };
  }

  async presignUploadPart(request: PresignUploadPartRequest): Promise<PresignedRequest> {
    assertValidPartRequest(request);
    const token = this.signer.sign({
      op: 'put-part',
      key: request.key,
      uploadId: request.storageUploadId,
      partNumber: request.partNumber,
      md5: request.contentMd5Base64,
      size: request.sizeBytes,
      exp: this.expiry(request.expiresInSeconds),
    });
    return {
      url: this.url('storage/parts', token),
      method: 'PUT',
      headers: { 'Content-MD5': request.contentMd5Base64 },
    };
  }

  async completeMultipartUpload(request: CompleteMultipartUploadRequest): Promise<ObjectInfo> {
    assertValidObjectKey(request.key);
    const parts = sortedParts(request.parts);
    const dir = this.uploadDir(request.storageUploadId);
    return this.withUploadLock(request.storageUploadId, async () => {
      const upload = await this.readUpload(request.storageUploadId);
      if (!upload) {
        // Already completed (the staging directory goes last), or never there. Keys are used once.
        const existing = await this.headObject(request.key);
        if (existing) return existing;
        throw new StorageError('NO_SUCH_UPLOAD', 'The upload does not exist');
      }
      if (upload.key !== request.key)
        throw new StorageError('NO_SUCH_UPLOAD', 'The upload is for another key');

      const sizes: number[] = [];
      for (const part of parts) {
        const size = await fileSize(this.partPath(request.storageUploadId, part.partNumber));
        if (size === undefined)
          throw new StorageError('INVALID_PART', `Part ${part.partNumber} was not uploaded`, {
            partNumbers: [part.partNumber],
          });
        sizes.push(size);
      }
      sizes.slice(0, -1).forEach((size, index) => {
        if (size < MIN_PART_SIZE_BYTES) {
          const partNumber = parts[index]?.partNumber;
          throw new StorageError(
            'PART_TOO_SMALL',
            `Part ${partNumber} is smaller than the minimum part size`,
          );
        }
      });

      // Concatenate in order, checking each part's bytes against the ETag the caller listed.
      const partDigests: Buffer[] = [];
      const partPath = (partNumber: number) => this.partPath(request.storageUploadId, partNumber);
      async function* concatenated(): AsyncGenerator<Buffer> {
        for (const part of parts) {
          const hash = createHash('md5');
          for await (const chunk of createReadStream(partPath(part.partNumber)) as AsyncIterable<Buffer>) {
            hash.update(chunk);
            yield chunk;
          }
          const digest = hash.digest();
          if (digest.toString('hex') !== unquoteEtag(part.etag)) {
            throw new StorageError('INVALID_PART', `Part ${part.partNumber} does not match its ETag`, {
              partNumbers: [part.partNumber],
            });
          }
          partDigests.push(digest);
        }
      }
      const target = this.objectPath(request.key);
      await mkdir(dirname(target), { recursive: true });
      await writeAtomically(target, async (path) => {
        await pipeline(concatenated, createWriteStream(path, { flags: 'wx', flush: true }));
        // S3's multipart ETag: the MD5 of the parts' MD5s, then the part count.
        const etag = `"${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-${parts.length}"`;
        const sizeBytes = sizes.reduce((sum, size) => sum + size, 0);
        await this.writeMeta(request.key, { contentType: upload.contentType, etag, sizeBytes });
      });
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      const info = await this.headObject(request.key);
      if (!info) throw new Error('The completed object vanished');
      return info;
    });
  }

  async abortMultipartUpload(key: string, storageUploadId: string): Promise<void> {
    assertValidObjectKey(key);
    const dir = this.uploadDir(storageUploadId);
    await this.withUploadLock(storageUploadId, async () => {
      const upload = await this.readUpload(storageUploadId);
      if (upload && upload.key !== key) return;
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    });
  }

  async presignGet(
    key: string,
    options: { expiresInSeconds: number; contentType?: string },
  ): Promise<string> {
    assertValidObjectKey(key);
    assertValidExpiry(options.expiresInSeconds);
    if (options.contentType !== undefined) assertValidContentType(options.contentType);
    const token = this.signer.sign({
      op: 'get',
      key,
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      exp: this.expiry(options.expiresInSeconds),
    });
    return this.url('storage/objects', token);
  }

  async putObject(key: string, body: Buffer | Readable, contentType: string): Promise<void> {
    assertValidObjectKey(key);
    assertValidContentType(contentType);
    const target = this.objectPath(key);
    await mkdir(dirname(target), { recursive: true });
    await writeAtomically(target, async (path) => {
      const hash = createHash('md5');
      let sizeBytes = 0;
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer | string>) {
          for await (const chunk of chunks) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            hash.update(bytes);
            sizeBytes += bytes.length;
            yield bytes;
          }
        },
        createWriteStream(path, { flags: 'wx', flush: true }),
      );
      await this.writeMeta(key, { contentType, etag: `"${hash.digest('hex')}"`, sizeBytes });
    });
  }

  async downloadToFile(key: string, path: string): Promise<void> {
    assertValidObjectKey(key);
    await mkdir(dirname(path), { recursive: true });
    try {
      await writeAtomically(path, (temp) => copyFile(this.objectPath(key), temp));
    } catch (error) {
      if (isNotFound(error)) throw new StorageError('NO_SUCH_KEY', `No object ${key}`, { cause: error });
      throw error;
    }
  }

  async readSmallObject(key: string, maxBytes: number): Promise<Buffer> {
    assertValidObjectKey(key);
    const sizeBytes = await fileSize(this.objectPath(key));
    if (sizeBytes === undefined) throw new StorageError('NO_SUCH_KEY', 'The object does not exist');
    if (sizeBytes > maxBytes) throw new RangeError(`The object is larger than ${maxBytes} bytes`);
    return readFile(this.objectPath(key));
  }

  async headObject(key: string): Promise<ObjectInfo | undefined> {
    assertValidObjectKey(key);
    const sizeBytes = await fileSize(this.objectPath(key));
    if (sizeBytes === undefined) return undefined;
    const meta = await this.readMeta(key);
    return { sizeBytes, etag: meta.etag };
  }

  async copyObject(fromKey: string, toKey: string): Promise<void> {
    assertValidObjectKey(fromKey);
    assertValidObjectKey(toKey);
    if (fromKey === toKey) return;
    const meta = await this.readMeta(fromKey);
    const target = this.objectPath(toKey);
    await mkdir(dirname(target), { recursive: true });
    try {
      await writeAtomically(target, async (temp) => {
        await copyFile(this.objectPath(fromKey), temp);
        await this.writeMeta(toKey, meta);
      });
    } catch (error) {
      if (isNotFound(error)) throw new StorageError('NO_SUCH_KEY', `No object ${fromKey}`, { cause: error });
      throw error;
    }
  }

  async deleteObject(key: string): Promise<void> {
    assertValidObjectKey(key);
    const path = this.objectPath(key);
    await rm(path, { force: true });
    await rm(metaPath(path), { force: true });
    await this.pruneEmptyDirectories(dirname(path));
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertValidObjectPrefix(prefix);
    const path = this.objectPath(prefix.slice(0, -1));
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
    await this.pruneEmptyDirectories(dirname(path));
  }

  async close(): Promise<void> {}

  /**
   * Receives one part for a verified part URL (the routes call this). The body streams to a temp file while
   * its MD5 and length are checked against the signed ones; only a matching part replaces the staged one.
   * Throws AppError for everything the client caused. Returns the part's ETag.
   */
  async receivePart(
    claims: PartClaims,
    body: Readable,
    headers: { contentMd5: string | undefined; contentLength: string | undefined },
  ): Promise<string> {
    if (headers.contentMd5 !== claims.md5) {
      throw new AppError(403, 'FORBIDDEN', 'Send the Content-MD5 header this URL was signed for');
    }
    if (headers.contentLength !== undefined) {
      const length = Number(headers.contentLength);
      if (length > claims.size) throw tooLarge(claims.size);
      if (length !== claims.size) throw wrongSize(claims.size);
    }
    if (!UPLOAD_ID.test(claims.uploadId)) throw new AppError(403, 'FORBIDDEN', 'This link is invalid');
    const upload = await this.readUpload(claims.uploadId);
    if (!upload) throw new AppError(404, 'NOT_FOUND', 'This upload no longer exists');
    if (upload.key !== claims.key) throw new AppError(403, 'FORBIDDEN', 'This link is invalid');

    const hash = createHash('md5');
    let received = 0;
    const target = this.partPath(claims.uploadId, claims.partNumber);
    try {
      await writeAtomically(target, async (path) => {
        await pipeline(
          body,
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              received += chunk.length;
              if (received > claims.size) throw tooLarge(claims.size);
              hash.update(chunk);
              yield chunk;
            }
          },
          createWriteStream(path, { flags: 'wx', flush: true }),
        );
        if (received !== claims.size) throw wrongSize(claims.size);
        if (hash.digest('base64') !== claims.md5) {
          throw new AppError(
            400,
            'VALIDATION_FAILED',
            'The part does not match its Content-MD5; it was not kept',
          );
        }
      });
    } catch (error) {
      // The upload was aborted or completed while this part streamed in.
      if (isNotFound(error)) throw new AppError(404, 'NOT_FOUND', 'This upload no longer exists');
      throw error;
    }
    return `"${Buffer.from(claims.md5, 'base64').toString('hex')}"`;
  }

  /** Opens the object a verified read URL names (the routes call this); 404 if it is gone. */
  async openSignedRead(claims: GetClaims): Promise<SignedRead> {
    assertValidObjectKey(claims.key);
    const path = this.objectPath(claims.key);
    const sizeBytes = await fileSize(path);
    if (sizeBytes === undefined) throw new AppError(404, 'NOT_FOUND', 'This object no longer exists');
    const meta = await this.readMeta(claims.key);
    return {
      stream: createReadStream(path),
      sizeBytes,
      contentType: claims.contentType ?? meta.contentType,
      etag: meta.etag,
      expiresInSeconds: Math.max(0, claims.exp - Math.floor(this.now() / 1000)),
    };
  }

  /** Verifies a part URL's token; the caller answers 403 on failure. */
  verifyPartToken(token: string) {
    return this.signer.verify(token, 'put-part', Math.floor(this.now() / 1000));
  }

  /** Verifies a read URL's token; the caller answers 403 on failure. */
  verifyGetToken(token: string) {
    return this.signer.verify(token, 'get', Math.floor(this.now() / 1000));
  }

  /** For tests and diagnostics: where an upload's parts are staged. */
  uploadDir(storageUploadId: string): string {
    if (!UPLOAD_ID.test(storageUploadId))
      throw new StorageError('NO_SUCH_UPLOAD', 'Not an upload id of this store');
    return join(this.multipartDir, storageUploadId);
  }

  private partPath(storageUploadId: string, partNumber: number): string {
    return join(this.uploadDir(storageUploadId), `${partNumber}.part`);
  }

  private objectPath(key: string): string {
    return join(this.objectsDir, ...key.split('/'));
  }

  private expiry(expiresInSeconds: number): number {
    return Math.floor(this.now() / 1000) + expiresInSeconds;
  }

  private url(path: string, token: string): string {
    const base =
      typeof this.options.publicUrl === 'function' ? this.options.publicUrl() : this.options.publicUrl;
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
    url.searchParams.set('token', token);
    return url.toString();
  }

  private async readUpload(storageUploadId: string): Promise<UploadMeta | undefined> {
    try {
      return JSON.parse(
        await readFile(join(this.uploadDir(storageUploadId), 'upload.json'), 'utf8'),
      ) as UploadMeta;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async readMeta(key: string): Promise<ObjectMeta> {
    const path = this.objectPath(key);
    try {
      return JSON.parse(await readFile(metaPath(path), 'utf8')) as ObjectMeta;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    // No metadata (written by hand, or lost): recompute what can be.
    const hash = createHash('md5');
    let sizeBytes = 0;
    try {
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        sizeBytes += chunk.length;
      }
    } catch (error) {
      if (isNotFound(error)) throw new StorageError('NO_SUCH_KEY', `No object ${key}`, { cause: error });
      throw error;
    }
    return { contentType: DEFAULT_CONTENT_TYPE, etag: `"${hash.digest('hex')}"`, sizeBytes };
  }

  /** Metadata is renamed into place before the data, so a visible object always has its own. */
  private async writeMeta(key: string, meta: ObjectMeta): Promise<void> {
    await writeAtomically(metaPath(this.objectPath(key)), (path) =>
      writeFile(path, JSON.stringify(meta), { flag: 'wx', flush: true }),
    );
  }

  /** Removes now-empty directories from `dir` up to (not including) the objects root. */
  private async pruneEmptyDirectories(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.objectsDir) && current !== this.objectsDir) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty, or already gone
      }
      current = dirname(current);
    }
  }

  private async withUploadLock<T>(storageUploadId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.uploadLocks.get(storageUploadId) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.uploadLocks.set(storageUploadId, current);
    try {
      return await current;
    } finally {
      if (this.uploadLocks.get(storageUploadId) === current) this.uploadLocks.delete(storageUploadId);
    }
  }
}

function metaPath(objectPath: string): string {
  return `${objectPath}.meta.json`;
}

/** Runs `write(tempPath)` then renames the temp file to `path`; the temp file never outlives a failure. */
async function writeAtomically(path: string, write: (tempPath: string) => Promise<void>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await write(temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.size : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function tooLarge(size: number): AppError {
  return new AppError(413, 'PAYLOAD_TOO_LARGE', `This part must be exactly ${size} bytes`);
}

function wrongSize(size: number): AppError {
  return new AppError(400, 'VALIDATION_FAILED', `This part must be exactly ${size} bytes; it was not kept`);
}

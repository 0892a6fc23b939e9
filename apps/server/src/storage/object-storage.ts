import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * Object storage behind one small interface, with two drivers: S3-compatible (production) and local files
 * under DATA_DIR (embedded default). Nothing is public: clients only ever receive short-lived presigned URLs.
 *
 * Uploads are resumable multipart uploads: the server creates the upload, records the parts it has handed out
 * and seen confirmed in its own database (never ListParts: not every S3-compatible store has it), and presigns
 * one URL per part. Each part URL is bound to the part's Content-MD5 and size, so the store rejects bytes that
 * do not match.
 */
export interface ObjectStorage {
  readonly driver: 's3' | 'local';

  /** Starts a multipart upload of `key`; the object appears only when the upload is completed. */
  createMultipartUpload(key: string, contentType: string): Promise<{ storageUploadId: string }>;

  /**
   * A URL for exactly one part of one upload. The client PUTs the part's bytes to `url` with every header in
   * `headers` (they are signed: among them `Content-MD5`, which the store checks against the bytes).
   * Re-uploading a part with the same bytes is harmless; the last upload of a part number wins.
   */
  presignUploadPart(request: PresignUploadPartRequest): Promise<PresignedRequest>;

  /**
   * Assembles the parts, in part-number order, into the object. Each part's ETag must match the stored part
   * (see `etagFromContentMd5`: the server can derive it from the checksum it signed). Every part but the last
   * must be at least MIN_PART_SIZE_BYTES. Completing an upload that is already complete returns the object.
   */
  completeMultipartUpload(request: CompleteMultipartUploadRequest): Promise<ObjectInfo>;

  /** Discards an upload and its parts. Aborting an unknown or finished upload is not an error. */
  abortMultipartUpload(key: string, storageUploadId: string): Promise<void>;

  /** A URL that reads the object until it expires; `contentType` overrides the stored type in the response. */
  presignGet(key: string, options: { expiresInSeconds: number; contentType?: string }): Promise<string>;

  /** Stores a whole object (worker output: thumbnails, renditions). A stream is read once, never buffered whole. */
  putObject(key: string, body: Buffer | Readable, contentType: string): Promise<void>;

  /** Writes the object to a local file (atomically: a temp file renamed into place). */
  downloadToFile(key: string, path: string): Promise<void>;

  /** The bytes of a small object (a playlist, a sensor file); refuses objects over `maxBytes`. */
  readSmallObject(key: string, maxBytes: number): Promise<Buffer>;

  /** Size and ETag of the object, or undefined if there is none. */
  headObject(key: string): Promise<ObjectInfo | undefined>;

  /** Copies an object (with its content type). Workers write to a temp key, then commit by copy + delete. */
  copyObject(fromKey: string, toKey: string): Promise<void>;

  /** Deletes an object; deleting a missing object is not an error. */
  deleteObject(key: string): Promise<void>;

  /** Deletes every object whose key starts with `prefix`, which must end with "/" (a folder, never everything). */
  deletePrefix(prefix: string): Promise<void>;

  /** Releases connections (at shutdown). */
  close(): Promise<void>;
}

export interface PresignUploadPartRequest {
  key: string;
  storageUploadId: string;
  /** 1…10 000. */
  partNumber: number;
  /** Base64 of the part's 16-byte MD5 digest, exactly as the `Content-MD5` header carries it. */
  contentMd5Base64: string;
  /** The part's exact size; the URL accepts no other length. */
  sizeBytes: number;
  expiresInSeconds: number;
}

export interface PresignedRequest {
  url: string;
  method: 'PUT';
  /** Headers the client must send unchanged. */
  headers: Record<string, string>;
}

export interface CompleteMultipartUploadRequest {
  key: string;
  storageUploadId: string;
  parts: { partNumber: number; etag: string }[];
}

export interface ObjectInfo {
  sizeBytes: number;
  /** As the store reports it, quoted (`"<md5 hex>"`, or `"<hex>-<parts>"` for a multipart object). */
  etag: string;
}

/** Why a storage operation failed, when the caller may act on it (anything else is an unexpected error). */
export type StorageErrorCode =
  /** The upload does not exist: never created, aborted, or expired by the store. */
  | 'NO_SUCH_UPLOAD'
  /** A listed part was never uploaded or its ETag does not match the stored bytes. */
  | 'INVALID_PART'
  /** A part other than the last is smaller than MIN_PART_SIZE_BYTES. */
  | 'PART_TOO_SMALL'
  /** The object does not exist. */
  | 'NO_SUCH_KEY';

export class StorageError extends Error {
  override name = 'StorageError';
  /** For INVALID_PART: the parts at fault when the store can tell (the local driver can; S3 does not say). */
  readonly partNumbers?: number[];
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown; partNumbers?: number[] },
  ) {
    super(message, options);
    this.partNumbers = options?.partNumbers;
  }
}

/** S3's limits, which both drivers enforce so that what works embedded works in production. */
export const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
export const MAX_PART_SIZE_BYTES = 5 * 1024 * 1024 * 1024;
export const MAX_PART_COUNT = 10_000;
/** SigV4 presigned URLs live at most a week. */
export const MAX_PRESIGN_EXPIRY_SECONDS = 7 * 24 * 3600;

const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Keys are `/`-separated segments of letters, digits, `.`, `_` and `-` that do not start with a dot: safe as
 * file paths (no `..`, no hidden files) and as URL paths without escaping.
 */
export function assertValidObjectKey(key: string): void {
  const ok =
    key.length > 0 &&
    key.length <= 1024 &&
    !key.endsWith('.meta.json') &&
    key.split('/').every((segment) => KEY_SEGMENT.test(segment));
  if (!ok) throw new TypeError(`Invalid object key: ${JSON.stringify(key)}`);
}

/** A prefix for `deletePrefix`: one or more whole key segments followed by "/". */
export function assertValidObjectPrefix(prefix: string): void {
  if (!prefix.endsWith('/'))
    throw new TypeError(`An object prefix must end with "/": ${JSON.stringify(prefix)}`);
  assertValidObjectKey(prefix.slice(0, -1));
}

const KIND = /^[a-z][a-z0-9-]{0,31}$/;
const EXTENSION = /^[a-z0-9]{1,10}$/;

/**
 * A fresh, unguessable key in a folder of its own: `newObjectKey('videos', 'mp4')` →
 * `videos/<uuid>/<uuid>.mp4`. Derived objects (renditions, thumbnails) go beside it (`newObjectKeyBeside`) so
 * `deletePrefix(objectFolderOf(key))` removes them all.
 */
export function newObjectKey(kind: string, extension: string): string {
  if (!KIND.test(kind)) throw new TypeError(`Invalid object kind: ${JSON.stringify(kind)}`);
  return `${kind}/${randomUUID()}/${fileName(extension)}`;
}

/** A fresh key in the same folder as `key`: `videos/<uuid>/<new uuid>.<extension>`. */
export function newObjectKeyBeside(key: string, extension: string): string {
  return `${objectFolderOf(key)}${fileName(extension)}`;
}

/** The folder of a key, with its trailing slash: `videos/<uuid>/`. */
export function objectFolderOf(key: string): string {
  assertValidObjectKey(key);
  const slash = key.lastIndexOf('/');
  if (slash < 0) throw new TypeError(`Object key has no folder: ${JSON.stringify(key)}`);
  return key.slice(0, slash + 1);
}

function fileName(extension: string): string {
  if (!EXTENSION.test(extension)) throw new TypeError(`Invalid file extension: ${JSON.stringify(extension)}`);
  return `${randomUUID()}.${extension}`;
}

/** Base64 MD5 of some bytes, as the `Content-MD5` header and `contentMd5Base64` carry it. */
export function contentMd5Base64(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}

/**
 * The ETag a store gives a part with this Content-MD5: the quoted hex MD5. The server can complete an upload
 * with the checksums it recorded instead of ETags reported by the client (browsers cannot read S3's ETag
 * header without a CORS ExposeHeaders rule). Not valid for buckets with SSE-KMS/SSE-C encryption, whose ETags
 * are not MD5s.
 */
export function etagFromContentMd5(md5Base64: string): string {
  return `"${decodeContentMd5(md5Base64).toString('hex')}"`;
}

/** An ETag without its quotes (S3 ignores them when it compares). */
export function unquoteEtag(etag: string): string {
  return etag.replace(/"/g, '');
}

function decodeContentMd5(md5Base64: string): Buffer {
  const digest = Buffer.from(md5Base64, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== md5Base64) {
    throw new TypeError('contentMd5Base64 must be the base64 of a 16-byte MD5 digest');
  }
  return digest;
}

/** Checks a part request against S3's limits, the same for both drivers. */
export function assertValidPartRequest(request: PresignUploadPartRequest): void {
  assertValidObjectKey(request.key);
  if (!request.storageUploadId) throw new TypeError('storageUploadId is required');
  if (
    !Number.isInteger(request.partNumber) ||
    request.partNumber < 1 ||
    request.partNumber > MAX_PART_COUNT
  ) {
    throw new RangeError(`partNumber must be an integer in 1…${MAX_PART_COUNT}`);
  }
  if (
    !Number.isSafeInteger(request.sizeBytes) ||
    request.sizeBytes < 1 ||
    request.sizeBytes > MAX_PART_SIZE_BYTES
  ) {
    throw new RangeError(`sizeBytes must be an integer in 1…${MAX_PART_SIZE_BYTES}`);
  }
  assertValidExpiry(request.expiresInSeconds);
  decodeContentMd5(request.contentMd5Base64);
}

const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(;[ -~]*)?$/;

/** A media type that is safe to store and send back as a header (`video/mp4`, `text/plain; charset=utf-8`). */
export function assertValidContentType(contentType: string): void {
  if (contentType.length > 255 || !CONTENT_TYPE.test(contentType)) {
    throw new TypeError(`Invalid content type: ${JSON.stringify(contentType)}`);
  }
}

export function assertValidExpiry(expiresInSeconds: number): void {
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 1 ||
    expiresInSeconds > MAX_PRESIGN_EXPIRY_SECONDS
  ) {
    throw new RangeError(`expiresInSeconds must be an integer in 1…${MAX_PRESIGN_EXPIRY_SECONDS}`);
  }
}

/** The listed parts in ascending order, each number once (S3 requires both). */
export function sortedParts(
  parts: CompleteMultipartUploadRequest['parts'],
): { partNumber: number; etag: string }[] {
  if (parts.length === 0) throw new StorageError('INVALID_PART', 'An upload needs at least one part');
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  sorted.forEach((part, index) => {
    if (!Number.isInteger(part.partNumber) || part.partNumber < 1 || part.partNumber > MAX_PART_COUNT) {
      throw new StorageError('INVALID_PART', `Invalid part number ${part.partNumber}`);
    }
    if (index > 0 && sorted[index - 1]?.partNumber === part.partNumber) {
      throw new StorageError('INVALID_PART', `Part ${part.partNumber} is listed twice`);
    }
  });
  return sorted;
}

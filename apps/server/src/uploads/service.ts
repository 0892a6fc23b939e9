import type { VideoDeclaration } from '@rosin/contracts/sessions';
import {
  UPLOAD_PART_SIZE_BYTES,
  uploadPartRange,
  type CompleteUploadRequest,
  type ConfirmedPart,
  type UploadPlan,
} from '@rosin/contracts/uploads';
import type { Principal } from '../auth/access-tokens';
import type { Database, Tx } from '../db/database';
import { appendEvent } from '../events/outbox';
import { AppError, forbidden, notFound } from '../http/app-error';
import { practiceSessionRepository } from '../practice/repository';
import {
  etagFromContentMd5,
  newObjectKey,
  StorageError,
  unquoteEtag,
  type ObjectInfo,
  type ObjectStorage,
} from '../storage/object-storage';
import { uploadRepository as uploads, type UploadRow } from './repository';

export interface UploadSettings {
  /** Bytes of video one student may keep, uploaded or in progress. */
  quotaBytes: number;
  /** Lifetime of presigned part URLs. */
  urlTtlSeconds: number;
  /** How long an unfinished upload is kept before it may be purged. */
  uploadLifetimeMs?: number;
}

const EXTENSION_BY_CONTENT_TYPE: Record<VideoDeclaration['contentType'], string> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
};

/** One notification record of an S3-compatible store (S3, MinIO), as far as we read it. */
export interface StorageEventRecord {
  eventName: string;
  objectKey: string;
}

/**
 * Resumable uploads of session videos (presigned multipart PUT), from plan to a recorded video.
 *
 * The bytes never pass through an API handler in production: the phone PUTs each part to the store with a URL
 * signed for that part's Content-MD5 and size, confirms it here, and asks us to complete. Parts are tracked in
 * our database (not every S3-compatible store has ListParts). Completion is recorded once whichever way it
 * arrives (the complete call or the store's event webhook): the upload row flips from pending to completed in
 * the same transaction that records the video and appends `video.uploaded`.
 */
export class UploadService {
  constructor(
    private readonly db: Database,
    private readonly storage: ObjectStorage,
    private readonly settings: UploadSettings,
  ) {}

  /**
   * The session's upload plan, creating the upload on first call. Runs inside the transaction that creates the
   * session, so a refused upload (quota) creates nothing. A replay answers the same upload with fresh URLs for
   * the parts still missing.
   */
  async planForSession(
    tx: Tx,
    principal: Principal,
    sessionId: string,
    video: VideoDeclaration,
  ): Promise<UploadPlan> {
    const existing = await uploads.findLiveBySession(tx, sessionId);
    if (existing) return this.buildPlan(tx, existing);

    const used = await uploads.sumStoredBytes(tx, principal.userId);
    if (used + video.sizeBytes > this.settings.quotaBytes) {
      throw new AppError(
        413,
        'QUOTA_EXCEEDED',
        `This video (${formatBytes(video.sizeBytes)}) does not fit in your storage: ` +
          `${formatBytes(used)} of ${formatBytes(this.settings.quotaBytes)} used. Delete old sessions to make room.`,
      );
    }
    const objectKey = newObjectKey('videos', EXTENSION_BY_CONTENT_TYPE[video.contentType]);
    // If the transaction then rolls back, the store keeps an empty multipart upload: the bucket's lifecycle rule
    // (AbortIncompleteMultipartUpload) removes it.
    const { storageUploadId } = await this.storage.createMultipartUpload(objectKey, video.contentType);
    const row = await uploads.insert(tx, {
      sessionId,
      ownerId: principal.userId,
      objectKey,
      storageUploadId,
      filename: video.filename,
      contentType: video.contentType,
      sizeBytes: video.sizeBytes,
      partSizeBytes: UPLOAD_PART_SIZE_BYTES,
      partMd5s: video.partMd5s,
      expiresAt: new Date(Date.now() + (this.settings.uploadLifetimeMs ?? 7 * 86_400_000)),
    });
    return this.buildPlan(tx, row);
  }

  /** Confirmed parts and fresh URLs for the missing ones: what a client needs to resume. */
  async getPlan(principal: Principal, uploadId: string): Promise<UploadPlan> {
    return this.db.asUser(principal.userId, async (tx) => this.buildPlan(tx, await findUpload(tx, uploadId)));
  }

  /** Records a part the store accepted. Its ETag must be the one its signed checksum implies. */
  async confirmPart(
    principal: Principal,
    uploadId: string,
    partNumber: number,
    etag: string,
  ): Promise<ConfirmedPart> {
    return this.db.asUser(principal.userId, async (tx) => {
      const upload = await findOwnUpload(tx, principal, uploadId);
      if (partNumber > upload.part_count) {
        throw new AppError(400, 'VALIDATION_FAILED', `This upload has ${upload.part_count} parts`, [
          { path: 'params.partNumber', message: `must be at most ${upload.part_count}` },
        ]);
      }
      const expected = expectedEtag(upload, partNumber);
      if (unquoteEtag(etag) !== unquoteEtag(expected)) {
        throw new AppError(
          400,
          'CHECKSUM_MISMATCH',
          `Part ${partNumber} does not have the checksum declared for it; upload it again`,
          [{ path: `parts.${partNumber}`, message: 'ETag does not match the declared Content-MD5' }],
        );
      }
      if (upload.status === 'pending') {
        await uploads.upsertConfirmedParts(tx, upload.id, [confirmedPartRow(upload, partNumber)]);
      }
      return { partNumber, etag: expected };
    });
  }

  /**
   * Assembles the object once every part is confirmed. Parts not confirmed (or not listed) answer 409
   * UPLOAD_INCOMPLETE, parts whose ETag is not their declared checksum 400 CHECKSUM_MISMATCH, each naming the
   * parts; the upload stays resumable. Completing a completed upload answers the same plan.
   */
  async complete(
    principal: Principal,
    uploadId: string,
    request: CompleteUploadRequest,
  ): Promise<UploadPlan> {
    const upload = await this.db.asUser(principal.userId, async (tx) => {
      const row = await findOwnUpload(tx, principal, uploadId);
      if (row.status !== 'pending') return row;
      const confirmed = new Set(
        (await uploads.findConfirmedParts(tx, row.id)).map((part) => part.part_number),
      );
      const { wrong, missing } = compareParts(row, request.parts, confirmed);
      if (wrong.length > 0) {
        throw new AppError(
          400,
          'CHECKSUM_MISMATCH',
          `Parts ${wrong.map((part) => part.partNumber).join(', ')} do not match their declared checksums; upload them again`,
          wrong.map((part) => ({ path: `parts.${part.partNumber}`, message: part.reason })),
        );
      }
      if (missing.length > 0) throw incomplete(missing, 'has not been uploaded');
      return row;
    });
    if (upload.status === 'completed') return this.getPlan(principal, uploadId);
    if (upload.status === 'aborted') throw notFound('Upload');

    const info = await this.assemble(principal, upload);
    await this.recordCompletion(upload, info);
    return this.getPlan(principal, uploadId);
  }

  /**
   * S3 event notifications (`POST /webhooks/storage`): an object created under a pending upload's key means the
   * upload was completed at the store (e.g. we crashed between completing and recording it). Records it once.
   * Returns how many uploads this call recorded.
   */
  async handleStorageEvents(records: StorageEventRecord[]): Promise<number> {
    let recorded = 0;
    for (const record of records) {
      if (!record.eventName.includes('ObjectCreated')) continue;
      const upload = await this.db.asSystem((tx) => uploads.findByObjectKey(tx, record.objectKey));
      if (!upload || upload.status !== 'pending') continue;
      const info = await this.storage.headObject(upload.object_key);
      // Only the whole declared object counts: anything else is not the upload we planned.
      if (!info || info.sizeBytes !== Number(upload.size_bytes)) continue;
      if (await this.recordCompletion(upload, info)) recorded += 1;
    }
    return recorded;
  }

  private async assemble(principal: Principal, upload: UploadRow): Promise<ObjectInfo> {
    const parts = Array.from({ length: upload.part_count }, (_, index) => ({
      partNumber: index + 1,
      etag: expectedEtag(upload, index + 1),
    }));
    try {
      return await this.storage.completeMultipartUpload({
        key: upload.object_key,
        storageUploadId: upload.storage_upload_id ?? '',
        parts,
      });
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      if (error.code === 'INVALID_PART' || error.code === 'PART_TOO_SMALL') {
        // The client confirmed parts the store does not have. The local store names them; S3 does not, so then
        // every part must be sent again.
        const bad = error.partNumbers ?? parts.map((part) => part.partNumber);
        await this.db.asUser(principal.userId, (tx) => uploads.deleteConfirmedParts(tx, upload.id, bad));
        throw incomplete(bad, 'is not in storage; upload it again');
      }
      if (error.code === 'NO_SUCH_UPLOAD') {
        // Completed at the store already (a retry after a lost response), or expired there.
        const existing = await this.storage.headObject(upload.object_key);
        if (existing) return existing;
        throw new AppError(
          409,
          'CONFLICT',
          'This upload has expired; save the session again to start a new one',
        );
      }
      throw error;
    }
  }

  /** Records the completed upload once: video row, session → processing, `video.uploaded`. */
  private async recordCompletion(upload: UploadRow, info: ObjectInfo): Promise<boolean> {
    return this.db.asSystem(async (tx) => {
      if (!(await uploads.markCompleted(tx, upload.id))) return false;
      const videoId = await uploads.insertVideoIfAbsent(tx, {
        sessionId: upload.session_id,
        studentId: upload.owner_id,
        objectKey: upload.object_key,
        sizeBytes: info.sizeBytes,
      });
      await practiceSessionRepository.setStatus(tx, upload.session_id, 'processing', null);
      await appendEvent(tx, {
        type: 'video.uploaded',
        aggregateId: upload.session_id,
        payload: {
          sessionId: upload.session_id,
          studentId: upload.owner_id,
          videoId,
          objectKey: upload.object_key,
        },
      });
      return true;
    });
  }

  private async buildPlan(tx: Tx, upload: UploadRow): Promise<UploadPlan> {
    const confirmed = await uploads.findConfirmedParts(tx, upload.id);
    const confirmedNumbers = new Set(confirmed.map((part) => part.part_number));
    const missing =
      upload.status === 'pending'
        ? Array.from({ length: upload.part_count }, (_, index) => index + 1).filter(
            (partNumber) => !confirmedNumbers.has(partNumber),
          )
        : [];
    const expiresAt = new Date(Date.now() + this.settings.urlTtlSeconds * 1000);
    const parts = await Promise.all(
      missing.map(async (partNumber) => {
        const { start, end } = uploadPartRange(Number(upload.size_bytes), partNumber);
        const request = await this.storage.presignUploadPart({
          key: upload.object_key,
          storageUploadId: upload.storage_upload_id ?? '',
          partNumber,
          contentMd5Base64: partMd5(upload, partNumber),
          sizeBytes: end - start,
          expiresInSeconds: this.settings.urlTtlSeconds,
        });
        return { partNumber, ...request };
      }),
    );
    return {
      id: upload.id,
      sessionId: upload.session_id,
      status: upload.status === 'completed' ? 'completed' : 'pending',
      sizeBytes: Number(upload.size_bytes),
      partSizeBytes: upload.part_size_bytes,
      partCount: upload.part_count,
      confirmedParts: confirmed.map((part) => ({ partNumber: part.part_number, etag: part.etag })),
      parts,
      completeUrl: `/uploads/${upload.id}/complete`,
      urlsExpireAt: expiresAt.toISOString(),
    };
  }
}

async function findUpload(tx: Tx, uploadId: string): Promise<UploadRow> {
  const upload = await uploads.findById(tx, uploadId);
  if (!upload || upload.status === 'aborted') throw notFound('Upload');
  return upload;
}

/** Only the student who records sends the bytes (an admin may look, not write). */
async function findOwnUpload(tx: Tx, principal: Principal, uploadId: string): Promise<UploadRow> {
  const upload = await findUpload(tx, uploadId);
  if (upload.owner_id !== principal.userId)
    throw forbidden('Only the student who recorded it uploads a video');
  return upload;
}

function partMd5(upload: UploadRow, partNumber: number): string {
  const md5 = upload.part_md5s[partNumber - 1];
  if (!md5) throw new Error(`Upload ${upload.id} has no checksum for part ${partNumber}`);
  return md5;
}

function expectedEtag(upload: UploadRow, partNumber: number): string {
  return etagFromContentMd5(partMd5(upload, partNumber));
}

function confirmedPartRow(upload: UploadRow, partNumber: number) {
  const { start, end } = uploadPartRange(Number(upload.size_bytes), partNumber);
  return {
    partNumber,
    etag: expectedEtag(upload, partNumber),
    sizeBytes: end - start,
    checksum: partMd5(upload, partNumber),
  };
}

/**
 * Checks a completion request against the record: wrong parts (no such part, or another checksum) and missing
 * ones (not listed, or never confirmed after its PUT — the store's answer is the only proof the bytes arrived).
 */
function compareParts(upload: UploadRow, listed: ConfirmedPart[], confirmed: Set<number>) {
  const wrong: { partNumber: number; reason: string }[] = [];
  const seen = new Set<number>();
  for (const part of listed) {
    if (seen.has(part.partNumber)) continue;
    seen.add(part.partNumber);
    if (part.partNumber > upload.part_count) {
      wrong.push({ partNumber: part.partNumber, reason: `there is no part ${part.partNumber}` });
    } else if (unquoteEtag(part.etag) !== unquoteEtag(expectedEtag(upload, part.partNumber))) {
      wrong.push({ partNumber: part.partNumber, reason: 'ETag does not match the declared Content-MD5' });
    }
  }
  const missing = Array.from({ length: upload.part_count }, (_, index) => index + 1).filter(
    (partNumber) => !seen.has(partNumber) || !confirmed.has(partNumber),
  );
  return { wrong, missing };
}

function incomplete(partNumbers: number[], reason: string): AppError {
  return new AppError(
    409,
    'UPLOAD_INCOMPLETE',
    `Parts ${partNumbers.join(', ')} are missing; upload them, then complete again`,
    partNumbers.map((partNumber) => ({
      path: `parts.${partNumber}`,
      message: `part ${partNumber} ${reason}`,
    })),
  );
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

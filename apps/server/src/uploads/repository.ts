import { sql } from 'kysely';
import type { Tx } from '../db/database';

export interface NewUploadRow {
  sessionId: string;
  ownerId: string;
  objectKey: string;
  storageUploadId: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  partSizeBytes: number;
  partMd5s: string[];
  expiresAt: Date;
}

const uploadColumns = [
  'id',
  'session_id',
  'owner_id',
  'object_key',
  'storage_upload_id',
  'content_type',
  'size_bytes',
  'part_size_bytes',
  'part_count',
  'part_md5s',
  'status',
  'expires_at',
] as const;

export interface UploadRow {
  id: string;
  session_id: string;
  owner_id: string;
  object_key: string;
  storage_upload_id: string | null;
  content_type: string;
  size_bytes: string;
  part_size_bytes: number;
  part_count: number;
  part_md5s: string[];
  status: 'pending' | 'completed' | 'aborted';
  expires_at: Date;
}

/** Data access for uploads, their confirmed parts and the videos they become. RLS decides what a caller sees. */
export const uploadRepository = {
  async insert(tx: Tx, upload: NewUploadRow): Promise<UploadRow> {
    return tx
      .insertInto('uploads')
      .values({
        session_id: upload.sessionId,
        owner_id: upload.ownerId,
        object_key: upload.objectKey,
        storage_upload_id: upload.storageUploadId,
        filename: upload.filename,
        content_type: upload.contentType,
        size_bytes: upload.sizeBytes,
        part_size_bytes: upload.partSizeBytes,
        part_count: upload.partMd5s.length,
        part_md5s: upload.partMd5s,
        expires_at: upload.expiresAt,
      })
      .returning(uploadColumns)
      .executeTakeFirstOrThrow();
  },

  findById(tx: Tx, id: string): Promise<UploadRow | undefined> {
    return tx.selectFrom('uploads').select(uploadColumns).where('id', '=', id).executeTakeFirst();
  },

  findLiveBySession(tx: Tx, sessionId: string): Promise<UploadRow | undefined> {
    return tx
      .selectFrom('uploads')
      .select(uploadColumns)
      .where('session_id', '=', sessionId)
      .where('status', '<>', 'aborted')
      .executeTakeFirst();
  },

  findByObjectKey(tx: Tx, objectKey: string): Promise<UploadRow | undefined> {
    return tx
      .selectFrom('uploads')
      .select(uploadColumns)
      .where('object_key', '=', objectKey)
      .executeTakeFirst();
  },

  findConfirmedParts(tx: Tx, uploadId: string): Promise<{ part_number: number; etag: string }[]> {
    return tx
      .selectFrom('upload_parts')
      .select(['part_number', 'etag'])
      .where('upload_id', '=', uploadId)
      .orderBy('part_number')
      .execute();
  },

  /** Records a part the store accepted; confirming it again is a no-op. */
  async upsertConfirmedParts(
    tx: Tx,
    uploadId: string,
    parts: { partNumber: number; etag: string; sizeBytes: number; checksum: string }[],
  ): Promise<void> {
    if (parts.length === 0) return;
    await tx
      .insertInto('upload_parts')
      .values(
        parts.map((part) => ({
          upload_id: uploadId,
          part_number: part.partNumber,
          etag: part.etag,
          size_bytes: part.sizeBytes,
          checksum: part.checksum,
          confirmed_at: new Date(),
        })),
      )
      .onConflict((c) =>
        c.columns(['upload_id', 'part_number']).doUpdateSet({
          etag: (eb) => eb.ref('excluded.etag'),
          size_bytes: (eb) => eb.ref('excluded.size_bytes'),
          checksum: (eb) => eb.ref('excluded.checksum'),
          confirmed_at: (eb) => eb.ref('excluded.confirmed_at'),
        }),
      )
      .execute();
  },

  async deleteConfirmedParts(tx: Tx, uploadId: string, partNumbers: number[]): Promise<void> {
    if (partNumbers.length === 0) return;
    await tx
      .deleteFrom('upload_parts')
      .where('upload_id', '=', uploadId)
      .where('part_number', 'in', partNumbers)
      .execute();
  },

  /** Marks a pending upload completed; false if it was not pending (already completed: a repeat). */
  async markCompleted(tx: Tx, uploadId: string): Promise<boolean> {
    const result = await tx
      .updateTable('uploads')
      .set({ status: 'completed', completed_at: new Date() })
      .where('id', '=', uploadId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return (result.numUpdatedRows ?? 0n) > 0n;
  },

  /** Inserts the session's video unless it has one; returns the video's id either way. */
  async insertVideoIfAbsent(
    tx: Tx,
    video: { sessionId: string; studentId: string; objectKey: string; sizeBytes: number },
  ): Promise<string> {
    await tx
      .insertInto('videos')
      .values({
        session_id: video.sessionId,
        student_id: video.studentId,
        s3_key: video.objectKey,
        size_bytes: video.sizeBytes,
      })
      .onConflict((c) => c.column('session_id').doNothing())
      .execute();
    const row = await tx
      .selectFrom('videos')
      .select('id')
      .where('session_id', '=', video.sessionId)
      .executeTakeFirstOrThrow();
    return row.id;
  },

  /** Bytes a student's videos and unfinished uploads take (the quota counts both). */
  async sumStoredBytes(tx: Tx, ownerId: string): Promise<number> {
    const row = await sql<{ bytes: string | number | null }>`
      select coalesce((select sum(size_bytes) from videos where student_id = ${ownerId} and deleted_at is null), 0)
           + coalesce((select sum(size_bytes) from uploads where owner_id = ${ownerId} and status = 'pending'), 0)
             as bytes`.execute(tx);
    return Number(row.rows[0]?.bytes ?? 0);
  },
};

import { z } from 'zod';
import { IsoDateTime, Uuid } from './common';

/**
 * Resumable video upload: presigned multipart PUT, one URL per 8 MiB part (the last part is smaller).
 *
 * The client hashes each part (MD5, base64, as the `Content-MD5` header carries it) when it saves the session —
 * offline is fine — and declares the list in `video.partMd5s`. Each part URL is signed for exactly that checksum
 * and size, so the store rejects corrupted or substituted bytes. After each successful PUT the client confirms the
 * part (`PUT /uploads/{id}/parts/{n}` with the ETag the store answered); `GET /uploads/{id}` lists confirmed parts
 * and fresh URLs for the missing ones, so an interrupted upload resumes with the missing parts only.
 */
export const UPLOAD_PART_SIZE_BYTES = 8 * 1024 * 1024;

/** Base64 of a 16-byte MD5 digest (24 characters, ending in "=="). */
export const ContentMd5 = z.string().regex(/^[A-Za-z0-9+/]{22}==$/, 'must be the base64 MD5 of the part');

/** How many parts a file of this size has. */
export function uploadPartCount(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / UPLOAD_PART_SIZE_BYTES));
}

/** The byte range [start, end) of a part (1-based). */
export function uploadPartRange(sizeBytes: number, partNumber: number): { start: number; end: number } {
  const start = (partNumber - 1) * UPLOAD_PART_SIZE_BYTES;
  return { start, end: Math.min(sizeBytes, start + UPLOAD_PART_SIZE_BYTES) };
}

export const UploadPartRequest = z.object({
  partNumber: z.number().int().min(1),
  url: z.string(),
  method: z.literal('PUT'),
  /** Send every one unchanged (they are signed; `Content-MD5` among them). */
  headers: z.record(z.string(), z.string()),
});
export type UploadPartRequest = z.infer<typeof UploadPartRequest>;

export const ConfirmedPart = z.object({ partNumber: z.number().int().min(1), etag: z.string() });
export type ConfirmedPart = z.infer<typeof ConfirmedPart>;

export const UploadStatus = z.enum(['pending', 'completed']);

export const UploadPlan = z
  .object({
    id: Uuid,
    sessionId: Uuid,
    status: UploadStatus,
    sizeBytes: z.number().int(),
    partSizeBytes: z.number().int(),
    partCount: z.number().int(),
    /** Parts the server has confirmed; never send them again. */
    confirmedParts: z.array(ConfirmedPart),
    /** The parts still missing, each with a fresh presigned request (empty once complete). */
    parts: z.array(UploadPartRequest),
    /** Relative to the API: POST here when every part is confirmed. */
    completeUrl: z.string(),
    /** The part URLs above stop working at this time; `GET /uploads/{id}` signs new ones. */
    urlsExpireAt: IsoDateTime,
  })
  .meta({ id: 'UploadPlan' });
export type UploadPlan = z.infer<typeof UploadPlan>;

export const UploadIdParams = z.object({ id: Uuid });
export const UploadPartParams = z.object({
  id: Uuid,
  partNumber: z.coerce.number().int().min(1).max(10_000),
});

export const ConfirmPartRequest = z.object({ etag: z.string().min(1).max(200) }).strict();
export type ConfirmPartRequest = z.infer<typeof ConfirmPartRequest>;

export const CompleteUploadRequest = z.object({ parts: z.array(ConfirmedPart).min(1).max(10_000) }).strict();
export type CompleteUploadRequest = z.infer<typeof CompleteUploadRequest>;

import { PracticeFocus, SensorFile, VIDEO_CONTENT_TYPES } from '@rosin/contracts/sessions';
import { ConfirmedPart } from '@rosin/contracts/uploads';
import { z } from 'zod';

/**
 * One practice session waiting on this device to reach the server. Stored as JSON in SQLite (see
 * outbox-store.sqlite.ts); `v` is the record's schema version: a change to this shape adds a version and a
 * migration in `parseOutboxRecord`, never a silent reinterpretation of old rows.
 */
export const OUTBOX_RECORD_VERSION = 1;

export const OutboxPhase = z.enum([
  /** Saved; the video's part checksums are still being computed (no network needed). */
  'preparing',
  /** Ready to send; waiting for the network, the backoff timer or its turn. */
  'pending',
  /** The server refused it for good (or the video is gone); the person can retry. */
  'failed',
  /** The server has it all; the local copy is being cleaned up. */
  'done',
]);
export type OutboxPhase = z.infer<typeof OutboxPhase>;

export const SessionDraft = z.object({
  focus: PracticeFocus,
  startTs: z.string(),
  endTs: z.string(),
  selfRating: z.number().int().min(1).max(5).nullable(),
  note: z.string(),
  tagIds: z.array(z.string()),
});
export type SessionDraft = z.infer<typeof SessionDraft>;

export const OutboxVideo = z.object({
  filename: z.string(),
  contentType: z.enum(VIDEO_CONTENT_TYPES),
  sizeBytes: z.number().int().positive(),
  /** Null while `preparing`. */
  partMd5s: z.array(z.string()).nullable(),
});
export type OutboxVideo = z.infer<typeof OutboxVideo>;

export const OutboxItem = z.object({
  v: z.literal(OUTBOX_RECORD_VERSION),
  /** The session's id, generated here: every replay of the create uses it, so the server never duplicates. */
  id: z.uuid(),
  /** Only this user's sign-in may send it. */
  ownerId: z.string(),
  createdAt: z.string(),
  draft: SessionDraft,
  video: OutboxVideo.nullable(),
  sensors: SensorFile.nullable(),
  phase: OutboxPhase,
  sensorsSent: z.boolean(),
  uploadId: z.string().nullable(),
  /** What the server last said it has (a cache for progress; the server's answer always wins). */
  confirmedParts: z.array(ConfirmedPart),
  /** Consecutive failed attempts; resets on success. */
  attempts: z.number().int().min(0),
  /** Epoch ms before which no attempt is made (backoff). */
  nextAttemptAt: z.number(),
  lastError: z.string().nullable(),
  failureReason: z.string().nullable(),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

/** Reads a stored record, migrating older versions (none yet). Null for a record that is not ours. */
export function parseOutboxRecord(raw: unknown): OutboxItem | null {
  const parsed = OutboxItem.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** Bytes the server has, for "uploading n %". */
export function uploadedFraction(item: Pick<OutboxItem, 'video' | 'confirmedParts'>): number {
  if (!item.video) return 1;
  const partCount = item.video.partMd5s?.length ?? 1;
  return Math.min(1, item.confirmedParts.length / partCount);
}

import { z } from 'zod';
import { IsoDateTime, Uuid } from './common';
import { ContentMd5, UploadPlan, uploadPartCount } from './uploads';

export const PracticeFocus = z.enum([
  'scales',
  'etudes',
  'repertoire',
  'technique',
  'sight_reading',
  'other',
]);
export type PracticeFocus = z.infer<typeof PracticeFocus>;

export const SessionStatus = z.enum(['awaiting_upload', 'processing', 'ready', 'failed']);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const MAX_VIDEO_BYTES = 2 * 1024 ** 3;
export const VIDEO_CONTENT_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-matroska',
] as const;

export const VideoDeclaration = z
  .object({
    filename: z.string().trim().min(1).max(255),
    contentType: z.enum(VIDEO_CONTENT_TYPES),
    sizeBytes: z.number().int().min(1).max(MAX_VIDEO_BYTES),
    /** Base64 MD5 of each 8 MiB part, in order (see uploads.ts): every part URL is signed for its checksum. */
    partMd5s: z.array(ContentMd5).min(1).max(uploadPartCount(MAX_VIDEO_BYTES)),
  })
  .refine((video) => video.partMd5s.length === uploadPartCount(video.sizeBytes), {
    path: ['partMd5s'],
    message: 'must have one checksum per 8 MiB part of sizeBytes',
  });
export type VideoDeclaration = z.infer<typeof VideoDeclaration>;

const SessionFields = z.object({
  focus: PracticeFocus,
  startTs: IsoDateTime,
  endTs: IsoDateTime,
  selfRating: z.number().int().min(1).max(5).nullable().default(null),
  note: z.string().max(5000).default(''),
  tagIds: z.array(Uuid).max(20).default([]),
});

export const CreateSessionRequest = SessionFields.extend({
  /** Client-generated id (offline creation); the same id sent again is a replay, never a second session. */
  id: Uuid.optional(),
  video: VideoDeclaration.nullable().default(null),
  hasSensors: z.boolean().default(false),
})
  .strict()
  .refine((body) => Date.parse(body.endTs) >= Date.parse(body.startTs), {
    path: ['endTs'],
    message: 'must not be before startTs',
  });
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const UpdateSessionRequest = SessionFields.partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'send at least one field to change' });
export type UpdateSessionRequest = z.infer<typeof UpdateSessionRequest>;

export const SessionMetrics = z
  .object({
    tempoBpm: z.number().nullable(),
    tempoVarianceMs: z.number().nullable(),
    dynamicRangeDb: z.number().nullable(),
    vibratoRateHz: z.number().nullable(),
    vibratoExtentCents: z.number().nullable(),
    bowStability: z.number().nullable(),
  })
  .catchall(z.number().nullable());
export type SessionMetrics = z.infer<typeof SessionMetrics>;

export const PracticeSession = z
  .object({
    id: Uuid,
    studentId: Uuid,
    focus: PracticeFocus,
    startTs: IsoDateTime,
    endTs: IsoDateTime,
    selfRating: z.number().int().nullable(),
    note: z.string(),
    tagIds: z.array(Uuid),
    hasSensors: z.boolean(),
    status: SessionStatus,
    failureReason: z.string().nullable(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .meta({ id: 'PracticeSession' });
export type PracticeSession = z.infer<typeof PracticeSession>;

export const SessionVideo = z.object({
  /** Signed, short-lived URL of the HLS playlist; null until transcoded. */
  hlsUrl: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
  durationS: z.number().nullable(),
});
export type SessionVideo = z.infer<typeof SessionVideo>;

/** Chart series, compact: loudness every 100 ms in dBFS, pitch every 50 ms in cents (null where unvoiced). */
export const SessionSeries = z.object({
  loudnessDb: z.object({ stepS: z.number(), values: z.array(z.number().nullable()) }),
  pitchCents: z.object({ stepS: z.number(), values: z.array(z.number().nullable()) }),
});
export type SessionSeries = z.infer<typeof SessionSeries>;

export const PracticeSessionDetail = PracticeSession.extend({
  metrics: SessionMetrics.nullable(),
  series: SessionSeries.nullable(),
  video: SessionVideo.nullable(),
}).meta({ id: 'PracticeSessionDetail' });
export type PracticeSessionDetail = z.infer<typeof PracticeSessionDetail>;

export const SessionListQuery = z.object({
  studentId: Uuid.optional(),
  focus: PracticeFocus.optional(),
  tagId: Uuid.optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type SessionListQuery = z.infer<typeof SessionListQuery>;

export const SessionList = z.object({
  sessions: z.array(PracticeSession),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type SessionList = z.infer<typeof SessionList>;

export const SessionIdParams = z.object({ id: Uuid });

export const CreateSessionResponse = z.object({
  session: PracticeSession,
  /** The resumable upload of the declared video; null without one (or once it is complete). */
  upload: UploadPlan.nullable(),
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponse>;

/** expo-sensors Gyroscope readings, t in seconds from the recording's start, rad/s. At most 10 min at 200 Hz. */
export const SensorFile = z
  .object({
    gyroscope: z
      .array(
        z.object({ t: z.number().min(0).max(3600), x: z.number(), y: z.number(), z: z.number() }).strict(),
      )
      .min(1)
      .max(120_000),
  })
  .strict();
export type SensorFile = z.infer<typeof SensorFile>;
/** The largest sensor upload accepted, in bytes of JSON. */
export const MAX_SENSOR_FILE_BYTES = 8 * 1024 * 1024;

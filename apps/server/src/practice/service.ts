import { randomUUID } from 'node:crypto';
import type {
  CreateSessionResponse,
  CreateSessionRequest,
  SensorFile,
  PracticeSession,
  PracticeSessionDetail,
  SessionList,
  SessionListQuery,
  SessionMetrics,
  SessionSeries,
  UpdateSessionRequest,
} from '@rosin/contracts/sessions';
import { SessionMetrics as SessionMetricsSchema } from '@rosin/contracts/sessions';
import type { Principal } from '../auth/access-tokens';
import { requireActiveRole } from '../auth/require-role';
import type { Database, Tx } from '../db/database';
import { appendEvent } from '../events/outbox';
import { AppError, conflict, forbidden, notFound } from '../http/app-error';
import type { VideoPlayback } from '../media/playback';
import { newObjectKey, type ObjectStorage } from '../storage/object-storage';
import type { UploadService } from '../uploads/service';
import { resolveReadableStudent } from '../teaching/student-access';
import { decodeSessionCursor, encodeSessionCursor } from './session-cursor';
import { practiceSessionRepository as sessions, type SessionRow } from './repository';

/** Every metric the contract names is present in a detail, null until measured. */
const CORE_METRICS = Object.keys(SessionMetricsSchema.shape);

function toSession(row: SessionRow): PracticeSession {
  return {
    id: row.id,
    studentId: row.student_id,
    focus: row.focus,
    startTs: row.start_ts.toISOString(),
    endTs: row.end_ts.toISOString(),
    selfRating: row.self_rating,
    note: row.note,
    tagIds: row.tag_ids,
    hasSensors: row.has_sensors,
    status: row.status,
    failureReason: row.failure_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface CreateSessionResult extends CreateSessionResponse {
  /** false when the id already existed: an offline replay answered with the stored session. */
  created: boolean;
}

export interface PracticeSessionDependencies {
  uploads: UploadService;
  playback: VideoPlayback;
  storage: ObjectStorage;
}

export class PracticeSessionService {
  constructor(
    private readonly db: Database,
    private readonly deps: PracticeSessionDependencies,
  ) {}

  /**
   * Idempotent by id: the phone generates the id offline and may send the same request many times (retries,
   * replays after a lost response). The first one creates; every other answers with what is stored.
   * A session that declares a video waits in `awaiting_upload` and gets its resumable upload plan in the same
   * transaction (a replay gets the same upload, with fresh URLs for the parts still missing).
   */
  async create(principal: Principal, input: CreateSessionRequest): Promise<CreateSessionResult> {
    requireActiveRole(principal, 'student');
    const id = input.id ?? randomUUID();
    return this.db.asUser(principal.userId, async (tx) => {
      const created = await sessions.insertIfAbsent(tx, {
        id,
        studentId: principal.userId,
        focus: input.focus,
        startTs: new Date(input.startTs),
        endTs: new Date(input.endTs),
        selfRating: input.selfRating,
        note: input.note,
        hasSensors: input.hasSensors,
        status: input.video ? 'awaiting_upload' : 'ready',
      });
      if (created) {
        await this.setTags(tx, id, input.tagIds);
        await announcePracticeChange(tx, id, principal.userId, [new Date(input.startTs)]);
      }
      const row = await sessions.findByIdIncludeTags(tx, id);
      // The id exists but is not ours to see (another student's) or was deleted: never reuse it.
      if (!row || row.student_id !== principal.userId) {
        throw conflict('CONFLICT', 'A session with this id already exists; generate a new id');
      }
      const upload = input.video
        ? await this.deps.uploads.planForSession(tx, principal, id, input.video)
        : null;
      return { created, session: toSession(row), upload };
    });
  }

  async get(principal: Principal, id: string): Promise<PracticeSessionDetail> {
    return this.db.asUser(principal.userId, async (tx) => {
      const row = await sessions.findByIdIncludeTags(tx, id);
      if (!row) throw notFound('Session');
      const [metricRows, seriesRow, video] = await Promise.all([
        sessions.findMetrics(tx, id),
        sessions.findSeries(tx, id),
        sessions.findVideoBySession(tx, id),
      ]);
      return {
        ...toSession(row),
        metrics: metricRows.length > 0 ? toMetrics(metricRows) : null,
        series: (seriesRow?.series as SessionSeries | undefined) ?? null,
        video: video ? await this.deps.playback.urlsFor(video) : null,
      };
    });
  }

  /** A student lists their own sessions; a teacher lists a linked student's (`studentId` required). */
  async list(principal: Principal, query: SessionListQuery): Promise<SessionList> {
    return this.db.asUser(principal.userId, async (tx) => {
      const studentId = await resolveReadableStudent(tx, principal, query.studentId);
      const rows = await sessions.findManyIncludeTags(tx, {
        studentId,
        focus: query.focus,
        tagId: query.tagId,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        after: query.cursor ? decodeSessionCursor(query.cursor) : undefined,
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        sessions: page.map(toSession),
        nextCursor: rows.length > query.limit && last ? encodeSessionCursor(last.start_ts, last.id) : null,
      };
    });
  }

  async update(principal: Principal, id: string, input: UpdateSessionRequest): Promise<PracticeSession> {
    return this.db.asUser(principal.userId, async (tx) => {
      const row = await this.findOwned(tx, principal, id);
      const startTs = new Date(input.startTs ?? row.start_ts);
      const endTs = new Date(input.endTs ?? row.end_ts);
      if (endTs < startTs) {
        throw new AppError(400, 'VALIDATION_FAILED', 'The session would end before it starts', [
          { path: 'body.endTs', message: 'must not be before startTs' },
        ]);
      }
      await sessions.update(tx, id, {
        focus: input.focus,
        startTs: input.startTs ? startTs : undefined,
        endTs: input.endTs ? endTs : undefined,
        selfRating: input.selfRating,
        note: input.note,
      });
      const rollupsChange =
        startTs.getTime() !== row.start_ts.getTime() ||
        endTs.getTime() !== row.end_ts.getTime() ||
        (input.focus !== undefined && input.focus !== row.focus);
      if (rollupsChange) await announcePracticeChange(tx, id, row.student_id, [row.start_ts, startTs]);
      if (input.tagIds) await this.setTags(tx, id, input.tagIds);
      const updated = await sessions.findByIdIncludeTags(tx, id);
      if (!updated) throw notFound('Session');
      return toSession(updated);
    });
  }

  /** Soft delete: the row and its media stay until the purge job, invisible to everyone. */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.db.asUser(principal.userId, async (tx) => {
      const row = await this.findOwned(tx, principal, id);
      await sessions.softDelete(tx, id);
      await announcePracticeChange(tx, id, row.student_id, [row.start_ts]);
    });
  }

  /**
   * Stores the gyroscope file recorded with the session's video (owner). Sent before the upload completes, the
   * analysis uses it; sent later, the video is analysed again with it (the metrics are replaced as a set).
   */
  async attachSensors(principal: Principal, id: string, file: SensorFile): Promise<PracticeSession> {
    requireActiveRole(principal, 'student');
    // Check before storing anything, then store, then point the session at it.
    await this.db.asUser(principal.userId, (tx) => this.findOwned(tx, principal, id));
    const key = newObjectKey('sensors', 'json');
    await this.deps.storage.putObject(key, Buffer.from(JSON.stringify(file), 'utf8'), 'application/json');
    const { previousKey, session } = await this.db.asUser(principal.userId, async (tx) => {
      const row = await this.findOwned(tx, principal, id);
      const previous = await sessions.findSensorsKey(tx, id);
      await sessions.setSensorsKey(tx, id, key);
      const video = await sessions.findVideoBySession(tx, id);
      if (video && row.status !== 'awaiting_upload') {
        await appendEvent(tx, {
          type: 'video.uploaded',
          aggregateId: id,
          payload: { sessionId: id, studentId: row.student_id, videoId: video.id, objectKey: video.s3_key },
        });
      }
      const updated = await sessions.findByIdIncludeTags(tx, id);
      if (!updated) throw notFound('Session');
      return { previousKey: previous?.sensors_key ?? null, session: toSession(updated) };
    });
    if (previousKey && previousKey !== key) await this.deps.storage.deleteObject(previousKey).catch(() => {});
    return session;
  }

  private async findOwned(tx: Tx, principal: Principal, id: string): Promise<SessionRow> {
    const row = await sessions.findByIdIncludeTags(tx, id);
    if (!row) throw notFound('Session');
    if (row.student_id !== principal.userId)
      throw forbidden('Only the student who practised can change a session');
    return row;
  }

  private async setTags(tx: Tx, sessionId: string, tagIds: string[]): Promise<void> {
    const unique = [...new Set(tagIds)];
    if ((await sessions.countVisibleTags(tx, unique)) !== unique.length) {
      throw new AppError(400, 'VALIDATION_FAILED', 'Unknown tag', [
        { path: 'body.tagIds', message: 'contains a tag that does not exist or is not available to you' },
      ]);
    }
    await sessions.replaceTags(tx, sessionId, unique);
  }
}

/** Tells the analytics rollups which UTC days a change touches: the session's start day before and after it. */
async function announcePracticeChange(tx: Tx, sessionId: string, studentId: string, starts: Date[]) {
  const days = [...new Set(starts.map((start) => start.toISOString().slice(0, 10)))];
  await appendEvent(tx, {
    type: 'practice_session.changed',
    aggregateId: sessionId,
    payload: { sessionId, studentId, days },
  });
}

function toMetrics(rows: { metric_key: string; metric_val: number }[]): SessionMetrics {
  const metrics: SessionMetrics = Object.fromEntries(
    CORE_METRICS.map((key) => [key, null]),
  ) as SessionMetrics;
  for (const row of rows) metrics[row.metric_key] = row.metric_val;
  return metrics;
}

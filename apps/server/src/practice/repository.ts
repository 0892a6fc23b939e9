import { sql } from 'kysely';
import type { Tx } from '../db/database';
import type { PracticeFocus, SessionStatus } from '../db/schema';

export interface SessionRowInput {
  id: string;
  studentId: string;
  focus: PracticeFocus;
  startTs: Date;
  endTs: Date;
  selfRating: number | null;
  note: string;
  hasSensors: boolean;
  status: SessionStatus;
}

export interface SessionListFilter {
  studentId: string;
  focus?: PracticeFocus;
  tagId?: string;
  from?: Date;
  to?: Date;
  after?: { startTs: Date; id: string };
  limit: number;
}

const sessionColumns = [
  'practice_sessions.id',
  'practice_sessions.student_id',
  'practice_sessions.focus',
  'practice_sessions.start_ts',
  'practice_sessions.end_ts',
  'practice_sessions.self_rating',
  'practice_sessions.note',
  'practice_sessions.has_sensors',
  'practice_sessions.status',
  'practice_sessions.failure_reason',
  'practice_sessions.created_at',
  'practice_sessions.updated_at',
] as const;

const tagIdsOfSession = sql<string[]>`array(select st.tag_id from session_tags st
                                            where st.session_id = practice_sessions.id order by st.tag_id)`;

/** Data access for practice sessions, their tags and metrics. RLS decides which rows a caller sees. */
export const practiceSessionRepository = {
  /** Inserts unless the id exists; returns whether this call created the row. */
  async insertIfAbsent(tx: Tx, session: SessionRowInput): Promise<boolean> {
    const result = await tx
      .insertInto('practice_sessions')
      .values({
        id: session.id,
        student_id: session.studentId,
        focus: session.focus,
        start_ts: session.startTs,
        end_ts: session.endTs,
        self_rating: session.selfRating,
        note: session.note,
        has_sensors: session.hasSensors,
        status: session.status,
      })
      .onConflict((c) => c.column('id').doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  },

  findByIdIncludeTags(tx: Tx, id: string) {
    return tx
      .selectFrom('practice_sessions')
      .select([...sessionColumns, tagIdsOfSession.as('tag_ids')])
      .where('practice_sessions.id', '=', id)
      .where('practice_sessions.deleted_at', 'is', null)
      .executeTakeFirst();
  },

  /** Whether any row with this id exists, deleted or not (the caller may not be able to see it). */
  async idExists(tx: Tx, id: string): Promise<boolean> {
    const row = await tx.selectFrom('practice_sessions').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  },

  findManyIncludeTags(tx: Tx, filter: SessionListFilter) {
    let query = tx
      .selectFrom('practice_sessions')
      .select([...sessionColumns, tagIdsOfSession.as('tag_ids')])
      .where('practice_sessions.student_id', '=', filter.studentId)
      .where('practice_sessions.deleted_at', 'is', null);
    if (filter.focus) query = query.where('practice_sessions.focus', '=', filter.focus);
    if (filter.from) query = query.where('practice_sessions.start_ts', '>=', filter.from);
    if (filter.to) query = query.where('practice_sessions.start_ts', '<', filter.to);
    if (filter.tagId) {
      const tagId = filter.tagId;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('session_tags')
            .select('session_tags.tag_id')
            .whereRef('session_tags.session_id', '=', 'practice_sessions.id')
            .where('session_tags.tag_id', '=', tagId),
        ),
      );
    }
    if (filter.after) {
      const { startTs, id } = filter.after;
      query = query.where(({ eb, or, and }) =>
        or([
          eb('practice_sessions.start_ts', '<', startTs),
          and([eb('practice_sessions.start_ts', '=', startTs), eb('practice_sessions.id', '<', id)]),
        ]),
      );
    }
    return query
      .orderBy('practice_sessions.start_ts', 'desc')
      .orderBy('practice_sessions.id', 'desc')
      .limit(filter.limit)
      .execute();
  },

  async replaceTags(tx: Tx, sessionId: string, tagIds: string[]): Promise<void> {
    await tx.deleteFrom('session_tags').where('session_id', '=', sessionId).execute();
    if (tagIds.length > 0) {
      await tx
        .insertInto('session_tags')
        .values(tagIds.map((tagId) => ({ session_id: sessionId, tag_id: tagId })))
        .execute();
    }
  },

  async countVisibleTags(tx: Tx, tagIds: string[]): Promise<number> {
    if (tagIds.length === 0) return 0;
    const row = await tx
      .selectFrom('tags')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('id', 'in', tagIds)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async update(
    tx: Tx,
    id: string,
    changes: Partial<Pick<SessionRowInput, 'focus' | 'startTs' | 'endTs' | 'selfRating' | 'note'>>,
  ): Promise<void> {
    await tx
      .updateTable('practice_sessions')
      .set({
        ...(changes.focus !== undefined && { focus: changes.focus }),
        ...(changes.startTs !== undefined && { start_ts: changes.startTs }),
        ...(changes.endTs !== undefined && { end_ts: changes.endTs }),
        ...(changes.selfRating !== undefined && { self_rating: changes.selfRating }),
        ...(changes.note !== undefined && { note: changes.note }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
  },

  async softDelete(tx: Tx, id: string): Promise<void> {
    await tx
      .updateTable('practice_sessions')
      .set({ deleted_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
  },

  /** Pipeline state changes (system work: uploads, the media worker). */
  async setStatus(tx: Tx, id: string, status: SessionStatus, failureReason: string | null): Promise<void> {
    await tx
      .updateTable('practice_sessions')
      .set({ status, failure_reason: failureReason, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  },

  async setSensorsKey(tx: Tx, id: string, sensorsKey: string): Promise<void> {
    await tx
      .updateTable('practice_sessions')
      .set({ sensors_key: sensorsKey, has_sensors: true, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  },

  findSensorsKey(tx: Tx, id: string) {
    return tx.selectFrom('practice_sessions').select(['sensors_key']).where('id', '=', id).executeTakeFirst();
  },

  findVideoBySession(tx: Tx, sessionId: string) {
    return tx
      .selectFrom('videos')
      .select(['id', 's3_key', 'hls_key', 'thumbnail_key', 'duration_s', 'processed'])
      .where('session_id', '=', sessionId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },

  findMetrics(tx: Tx, sessionId: string) {
    return tx
      .selectFrom('metrics')
      .select(['metric_key', 'metric_val'])
      .where('session_id', '=', sessionId)
      .execute();
  },

  findSeries(tx: Tx, sessionId: string) {
    return tx
      .selectFrom('session_series')
      .select('series')
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
  },
};

export type SessionRow = NonNullable<
  Awaited<ReturnType<typeof practiceSessionRepository.findByIdIncludeTags>>
>;

import { sql } from 'kysely';
import type { Tx } from '../db/database';

/** Data access for teacher–student links and invitations. */
export const teachingRepository = {
  insertInvitation(
    tx: Tx,
    invitation: { teacherId: string; code: string; expiresAt: Date; maxUses: number },
  ) {
    return tx
      .insertInto('invitations')
      .values({
        teacher_id: invitation.teacherId,
        code: invitation.code,
        expires_at: invitation.expiresAt,
        max_uses: invitation.maxUses,
      })
      .returning(['id', 'code', 'expires_at', 'max_uses', 'use_count'])
      .executeTakeFirstOrThrow();
  },

  findInvitationByCodeForUpdate(tx: Tx, code: string) {
    return tx.selectFrom('invitations').selectAll().where('code', '=', code).forUpdate().executeTakeFirst();
  },

  async incrementInvitationUse(tx: Tx, invitationId: string): Promise<void> {
    await tx
      .updateTable('invitations')
      .set((eb) => ({ use_count: eb('use_count', '+', 1) }))
      .where('id', '=', invitationId)
      .execute();
  },

  /** Inserts the link; false when it already existed. */
  async insertLink(tx: Tx, teacherId: string, studentId: string): Promise<boolean> {
    const result = await tx
      .insertInto('teacher_students')
      .values({ teacher_id: teacherId, student_id: studentId })
      .onConflict((c) => c.doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  },

  async setPrimaryTeacherIfNone(tx: Tx, studentId: string, teacherId: string): Promise<void> {
    await tx
      .updateTable('students')
      .set({ primary_teacher_id: teacherId })
      .where('user_id', '=', studentId)
      .where('primary_teacher_id', 'is', null)
      .execute();
  },

  findTeacherSummary(tx: Tx, teacherId: string) {
    return tx
      .selectFrom('profiles')
      .select(['user_id as id', 'display_name'])
      .where('user_id', '=', teacherId)
      .executeTakeFirst();
  },

  /** Linked students with their last session and practice minutes for the 7 days ending `today` (UTC). */
  findLinkedStudentsIncludeWeek(tx: Tx, teacherId: string, today: string) {
    return tx
      .selectFrom('teacher_students as ts')
      .innerJoin('profiles as p', 'p.user_id', 'ts.student_id')
      .select([
        'ts.student_id as id',
        'p.display_name',
        'ts.created_at as linked_at',
        sql<Date | null>`(select max(s.start_ts) from practice_sessions s
                          where s.student_id = ts.student_id and s.deleted_at is null)`.as('last_session_at'),
        // One primary-key lookup per day: (student_id, day) is the rollup's key.
        sql<number[]>`array(
          select coalesce((select r.practice_seconds from practice_daily_rollups r
                           where r.student_id = ts.student_id and r.day = ${today}::date - 6 + g.i), 0) / 60
          from generate_series(0, 6) as g(i)
          order by g.i)`.as('minutes'),
      ])
      .where('ts.teacher_id', '=', teacherId)
      .orderBy('p.display_name')
      .orderBy('ts.student_id')
      .execute();
  },

  findTeachersOfStudent(tx: Tx, studentId: string) {
    return tx
      .selectFrom('teacher_students as ts')
      .innerJoin('profiles as p', 'p.user_id', 'ts.teacher_id')
      .select(['ts.teacher_id as id', 'p.display_name'])
      .where('ts.student_id', '=', studentId)
      .orderBy('p.display_name')
      .execute();
  },
};

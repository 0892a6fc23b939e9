import type { Principal } from '../auth/access-tokens';
import { requireActiveRole } from '../auth/require-role';
import type { Tx } from '../db/database';
import { AppError, forbidden, notFound } from '../http/app-error';

/**
 * The one service-level check of "whose practice data may this caller read" (RLS checks it again in the
 * database): a student reads their own (naming another student is 403); a teacher names a linked student
 * (`studentId` required; an unlinked or unknown one is 404, so ids cannot be probed). Returns the student's id.
 */
export async function resolveReadableStudent(
  tx: Tx,
  principal: Principal,
  requestedStudentId: string | undefined,
): Promise<string> {
  requireActiveRole(principal, 'student', 'teacher');
  if (principal.role === 'student') {
    if (requestedStudentId && requestedStudentId !== principal.userId) {
      throw forbidden('Students see only their own practice');
    }
    return principal.userId;
  }
  if (!requestedStudentId) {
    throw new AppError(400, 'VALIDATION_FAILED', 'Teachers see one student at a time', [
      { path: 'querystring.studentId', message: 'is required for teachers' },
    ]);
  }
  const link = await tx
    .selectFrom('teacher_students')
    .select('student_id')
    .where('teacher_id', '=', principal.userId)
    .where('student_id', '=', requestedStudentId)
    .executeTakeFirst();
  if (!link) throw notFound('Student');
  return requestedStudentId;
}

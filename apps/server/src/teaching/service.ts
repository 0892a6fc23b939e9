import type {
  CreateInvitationRequest,
  Invitation,
  LinkedStudent,
  PersonSummary,
} from '@rosin/contracts/teaching';
import type { Principal } from '../auth/access-tokens';
import { requireActiveRole } from '../auth/require-role';
import type { Database } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { AppError, conflict } from '../http/app-error';
import { newInvitationCode, normaliseInvitationCode } from './invitation-code';
import { teachingRepository } from './repository';

const invalidInvitation = () =>
  new AppError(404, 'INVITATION_INVALID', 'This invitation code is unknown, expired or used up');

export class TeachingService {
  constructor(private readonly db: Database) {}

  async createInvitation(principal: Principal, input: CreateInvitationRequest): Promise<Invitation> {
    requireActiveRole(principal, 'teacher');
    const expiresAt = new Date(Date.now() + input.expiresInDays * 86_400_000);
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await this.db.asUser(principal.userId, (tx) =>
          teachingRepository.insertInvitation(tx, {
            teacherId: principal.userId,
            code: newInvitationCode(),
            expiresAt,
            maxUses: input.maxUses,
          }),
        );
        return {
          id: row.id,
          code: row.code,
          expiresAt: row.expires_at.toISOString(),
          maxUses: row.max_uses,
          useCount: row.use_count,
        };
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 3) throw error; // a code collision: draw again
      }
    }
  }

  /**
   * A student joins a teacher. The student cannot see the teacher's invitations (RLS), so the lookup by code
   * is system work; the checks that follow are the authorization.
   */
  async acceptInvitation(principal: Principal, rawCode: string): Promise<PersonSummary> {
    requireActiveRole(principal, 'student');
    const code = normaliseInvitationCode(rawCode);
    const outcome = await this.db.asSystem(async (tx) => {
      const invitation = await teachingRepository.findInvitationByCodeForUpdate(tx, code);
      if (
        !invitation ||
        invitation.revoked_at ||
        invitation.expires_at.getTime() <= Date.now() ||
        invitation.use_count >= invitation.max_uses
      ) {
        return { error: invalidInvitation() };
      }
      if (invitation.teacher_id === principal.userId) {
        return { error: new AppError(400, 'INVITATION_INVALID', 'You cannot join your own invitation') };
      }
      if (!(await teachingRepository.insertLink(tx, invitation.teacher_id, principal.userId))) {
        return { error: conflict('ALREADY_LINKED', 'You are already linked to this teacher') };
      }
      await teachingRepository.incrementInvitationUse(tx, invitation.id);
      await teachingRepository.setPrimaryTeacherIfNone(tx, principal.userId, invitation.teacher_id);
      const teacher = await teachingRepository.findTeacherSummary(tx, invitation.teacher_id);
      return { teacher: { id: invitation.teacher_id, displayName: teacher?.display_name ?? '' } };
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.teacher;
  }

  async listStudents(principal: Principal, today = new Date()): Promise<LinkedStudent[]> {
    requireActiveRole(principal, 'teacher');
    const rows = await this.db.asUser(principal.userId, (tx) =>
      teachingRepository.findLinkedStudentsIncludeWeek(
        tx,
        principal.userId,
        today.toISOString().slice(0, 10),
      ),
    );
    return rows.map((row) => ({
      id: row.id,
      displayName: row.display_name,
      linkedAt: row.linked_at.toISOString(),
      lastSessionAt: row.last_session_at ? new Date(row.last_session_at).toISOString() : null,
      practiceMinutesLast7Days: row.minutes.map(Number),
    }));
  }

  async listTeachers(principal: Principal): Promise<PersonSummary[]> {
    requireActiveRole(principal, 'student');
    const rows = await this.db.asUser(principal.userId, (tx) =>
      teachingRepository.findTeachersOfStudent(tx, principal.userId),
    );
    return rows.map((row) => ({ id: row.id, displayName: row.display_name }));
  }
}

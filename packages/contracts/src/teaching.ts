import { z } from 'zod';
import { IsoDateTime, Uuid } from './common';

export const InvitationCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z2-9]{4}-?[A-Z2-9]{4}$/, 'must look like ABCD-EFGH');

export const CreateInvitationRequest = z
  .object({
    expiresInDays: z.number().int().min(1).max(90).default(14),
    maxUses: z.number().int().min(1).max(100).default(1),
  })
  .strict();
export type CreateInvitationRequest = z.infer<typeof CreateInvitationRequest>;

export const Invitation = z
  .object({
    id: Uuid,
    code: z.string(),
    expiresAt: IsoDateTime,
    maxUses: z.number().int(),
    useCount: z.number().int(),
  })
  .meta({ id: 'Invitation' });
export type Invitation = z.infer<typeof Invitation>;

export const AcceptInvitationRequest = z.object({ code: InvitationCode }).strict();
export type AcceptInvitationRequest = z.infer<typeof AcceptInvitationRequest>;

export const PersonSummary = z.object({ id: Uuid, displayName: z.string() });
export type PersonSummary = z.infer<typeof PersonSummary>;

export const LinkedStudent = z
  .object({
    id: Uuid,
    displayName: z.string(),
    linkedAt: IsoDateTime,
    lastSessionAt: IsoDateTime.nullable(),
    /** Practice minutes for each of the last 7 days, oldest first (the teacher's heat-map). */
    practiceMinutesLast7Days: z.array(z.number().int()).length(7),
  })
  .meta({ id: 'LinkedStudent' });
export type LinkedStudent = z.infer<typeof LinkedStudent>;

export const LinkedStudentList = z.object({ students: z.array(LinkedStudent) });
export const TeacherList = z.object({ teachers: z.array(PersonSummary) });

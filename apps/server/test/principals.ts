import type { AuthResponse } from '@rosin/contracts/auth';
import type { ApiHarness } from './api-harness';

export const PRINCIPALS = [
  'anonymous',
  'studentA',
  'studentB',
  'teacherOfA',
  'unlinkedTeacher',
  'admin',
] as const;
export type PrincipalName = (typeof PRINCIPALS)[number];

export type Cast = Record<Exclude<PrincipalName, 'anonymous'>, AuthResponse>;

/**
 * The cast of the authorization table: two students, a teacher linked to A only, a teacher linked to nobody,
 * and an admin (granted as an operator would, directly in the database).
 */
export async function createCast(api: ApiHarness): Promise<Cast> {
  const [studentA, studentB, teacherOfA, unlinkedTeacher, adminAccount] = await Promise.all([
    api.register('student', 'studentA'),
    api.register('student', 'studentB'),
    api.register('teacher', 'teacherOfA'),
    api.register('teacher', 'unlinkedTeacher'),
    api.register('student', 'admin'),
  ]);
  await api.link(teacherOfA, studentA);
  await api.backend.db.asSystem((tx) =>
    tx.insertInto('user_roles').values({ user_id: adminAccount.user.id, role: 'admin' }).execute(),
  );
  const admin = await api.request<AuthResponse>('POST', '/me/active-role', {
    token: adminAccount.accessToken,
    body: { role: 'admin' },
  });
  if (admin.status !== 200) throw new Error('admin role switch failed');
  return { studentA, studentB, teacherOfA, unlinkedTeacher, admin: admin.body };
}

import { sql, type Kysely, type RawBuilder } from 'kysely';
import { APP_ROLE } from '../app-role';

/**
 * Row-level security for every application table: enabled AND forced (so even the owner is subject to it).
 *
 * Requests run as the role `rosin_app` (no login, no BYPASSRLS, owns nothing) with two transaction-local
 * settings: `app.user_id` (the signed-in user) and `app.system` ('on' only for trusted background work such
 * as the job runner, the outbox dispatcher and the few auth steps that run before a user is known).
 *
 * Every table gets an explicit admin policy and a system policy; the rest says who may touch which rows.
 */
// Wrapped in a scalar subquery so PostgreSQL evaluates it once per statement (an InitPlan), not once per row.
const me = sql.raw('(select app_user_id())');
/** Students linked to the caller (the caller as teacher), as a set the planner can hash or index-join. */
const myStudents = sql.raw(
  '(select ts.student_id from teacher_students ts where ts.teacher_id = (select app_user_id()))',
);
/** Teachers of the caller (the caller as student). */
const myTeachers = sql.raw(
  '(select ts.teacher_id from teacher_students ts where ts.student_id = (select app_user_id()))',
);

interface Policy {
  name: string;
  command: 'all' | 'select' | 'insert' | 'update' | 'delete';
  using?: RawBuilder<unknown>;
  check?: RawBuilder<unknown>;
}

const own = (column: string): Policy => ({
  name: 'owner_all',
  command: 'all',
  using: sql`${sql.ref(column)} = ${me}`,
});
const teacherReads = (studentColumn: string): Policy => ({
  name: 'linked_teacher_select',
  command: 'select',
  using: sql`${sql.ref(studentColumn)} in ${myStudents}`,
});
const studentOrTeacherReads = (studentColumn: string): Policy => ({
  name: 'student_or_teacher_select',
  command: 'select',
  using: sql`${sql.ref(studentColumn)} = ${me} or ${sql.ref(studentColumn)} in ${myStudents}`,
});
const signedInReadsVisible = (authorColumn: string): Policy => ({
  name: 'signed_in_select',
  command: 'select',
  using: sql`${me} is not null and (removed_at is null or ${sql.ref(authorColumn)} = ${me})`,
});
const authorWrites = (authorColumn: string): Policy[] => [
  { name: 'author_insert', command: 'insert', check: sql`${sql.ref(authorColumn)} = ${me}` },
  { name: 'author_update', command: 'update', using: sql`${sql.ref(authorColumn)} = ${me}` },
  { name: 'author_delete', command: 'delete', using: sql`${sql.ref(authorColumn)} = ${me}` },
];

/** Table → its policies besides the system and admin ones every table has. */
export const tablePolicies: Record<string, Policy[]> = {
  users: [own('id')],
  // No admin policy here: app_is_admin() reads this table, and a policy calling it would recurse.
  user_roles: [{ name: 'owner_select', command: 'select', using: sql`user_id = ${me}` }],
  profiles: [
    { name: 'signed_in_select', command: 'select', using: sql`${me} is not null` },
    { name: 'owner_update', command: 'update', using: sql`user_id = ${me}` },
  ],
  teachers: [
    own('user_id'),
    { name: 'linked_student_select', command: 'select', using: sql`user_id in ${myTeachers}` },
  ],
  students: [own('user_id'), teacherReads('user_id')],
  refresh_tokens: [
    { name: 'owner_select', command: 'select', using: sql`user_id = ${me}` },
    { name: 'owner_delete', command: 'delete', using: sql`user_id = ${me}` },
  ],
  teacher_students: [
    { name: 'party_select', command: 'select', using: sql`teacher_id = ${me} or student_id = ${me}` },
    { name: 'party_delete', command: 'delete', using: sql`teacher_id = ${me} or student_id = ${me}` },
  ],
  invitations: [own('teacher_id')],
  tags: [
    own('owner_teacher_id'),
    {
      name: 'shared_select',
      command: 'select',
      using: sql`owner_teacher_id is null or owner_teacher_id in ${myTeachers}`,
    },
  ],
  classes: [
    own('teacher_id'),
    {
      name: 'attendee_select',
      command: 'select',
      using: sql`exists (select 1 from class_attendees a where a.class_id = id and a.student_id = ${me})`,
    },
  ],
  class_attendees: [
    own('teacher_id'),
    { name: 'student_select', command: 'select', using: sql`student_id = ${me}` },
  ],
  practice_sessions: [own('student_id'), teacherReads('student_id')],
  session_tags: [
    {
      name: 'session_owner_all',
      command: 'all',
      using: sql`exists (select 1 from practice_sessions s where s.id = session_id and s.student_id = ${me})`,
    },
    // Visible whenever the session itself is visible (the subquery runs under practice_sessions' policies).
    {
      name: 'session_visible_select',
      command: 'select',
      using: sql`exists (select 1 from practice_sessions s where s.id = session_id)`,
    },
  ],
  uploads: [own('owner_id')],
  upload_parts: [
    {
      name: 'upload_owner_all',
      command: 'all',
      using: sql`exists (select 1 from uploads u where u.id = upload_id and u.owner_id = ${me})`,
    },
  ],
  videos: [studentOrTeacherReads('student_id')],
  metrics: [studentOrTeacherReads('student_id')],
  metric_daily_rollups: [studentOrTeacherReads('student_id')],
  practice_daily_rollups: [studentOrTeacherReads('student_id')],
  session_series: [studentOrTeacherReads('student_id')],
  feedback: [
    {
      name: 'linked_teacher_all',
      command: 'all',
      using: sql`teacher_id = ${me}`,
      check: sql`teacher_id = ${me} and student_id in ${myStudents}`,
    },
    { name: 'student_select', command: 'select', using: sql`student_id = ${me}` },
  ],
  forum_posts: [signedInReadsVisible('author_id'), ...authorWrites('author_id')],
  forum_comments: [signedInReadsVisible('author_id'), ...authorWrites('author_id')],
  votes: [own('user_id')],
  moderation_reports: [
    { name: 'reporter_insert', command: 'insert', check: sql`reporter_id = ${me}` },
    { name: 'reporter_select', command: 'select', using: sql`reporter_id = ${me}` },
  ],
  notifications: [
    { name: 'owner_select', command: 'select', using: sql`user_id = ${me}` },
    { name: 'owner_update', command: 'update', using: sql`user_id = ${me}` },
    { name: 'owner_delete', command: 'delete', using: sql`user_id = ${me}` },
  ],
  push_tokens: [own('user_id')],
  deletion_requests: [
    { name: 'owner_select', command: 'select', using: sql`user_id = ${me}` },
    { name: 'owner_insert', command: 'insert', check: sql`user_id = ${me}` },
  ],
  // A signed-in user's change may announce itself (transactional outbox); only system work reads or dispatches.
  outbox_events: [{ name: 'signed_in_insert', command: 'insert', check: sql`${me} is not null` }],
  jobs: [],
};

const withoutAdminPolicy = new Set(['user_roles']);

function createPolicy(table: string, policy: Policy): RawBuilder<unknown> {
  const using = policy.using ? sql` using (${policy.using})` : sql``;
  const check = policy.check ? sql` with check (${policy.check})` : sql``;
  return sql`create policy ${sql.id(policy.name)} on ${sql.table(table)} for ${sql.raw(policy.command)} to ${sql.id(APP_ROLE)}${using}${check}`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const app = sql.id(APP_ROLE);
  const statements: RawBuilder<unknown>[] = [
    sql`do $$ begin
      if not exists (select 1 from pg_roles where rolname = ${sql.lit(APP_ROLE)}) then
        create role ${app} nologin nosuperuser nobypassrls noinherit;
      end if;
    end $$`,
    // The migrating role must be a member to `SET ROLE` into it (a superuser need not be, but may).
    sql`do $$ begin
      if not exists (select 1 from pg_auth_members m join pg_roles r on r.oid = m.roleid
                     where r.rolname = ${sql.lit(APP_ROLE)} and m.member = (select oid from pg_roles where rolname = current_user)) then
        execute format('grant %I to %I', ${sql.lit(APP_ROLE)}, current_user);
      end if;
    end $$`,
    sql`create function app_user_id() returns uuid language sql stable
        as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$`,
    sql`create function app_is_system() returns boolean language sql stable
        as $$ select coalesce(current_setting('app.system', true), '') = 'on' $$`,
    sql`create function app_is_admin() returns boolean language sql stable
        as $$ select exists (select 1 from user_roles where user_id = app_user_id() and role = 'admin') $$`,
    sql`grant usage on schema public to ${app}`,
    sql`grant select, insert, update, delete on all tables in schema public to ${app}`,
    sql`revoke all on kysely_migration, kysely_migration_lock from ${app}`,
    sql`grant usage, select on all sequences in schema public to ${app}`,
    sql`grant execute on all functions in schema public to ${app}`,
    sql`alter default privileges in schema public grant select, insert, update, delete on tables to ${app}`,
    sql`alter default privileges in schema public grant usage, select on sequences to ${app}`,
  ];
  for (const [table, policies] of Object.entries(tablePolicies)) {
    statements.push(sql`alter table ${sql.table(table)} enable row level security`);
    statements.push(sql`alter table ${sql.table(table)} force row level security`);
    statements.push(createPolicy(table, { name: 'system_all', command: 'all', using: sql`app_is_system()` }));
    if (!withoutAdminPolicy.has(table)) {
      statements.push(
        createPolicy(table, { name: 'admin_all', command: 'all', using: sql`(select app_is_admin())` }),
      );
    }
    for (const policy of policies) statements.push(createPolicy(table, policy));
  }
  for (const statement of statements) await statement.execute(db);
}

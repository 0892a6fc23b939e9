import { sql, type Kysely, type RawBuilder } from 'kysely';
import { APP_ROLE } from '../app-role';

/**
 * Rollups the dashboard (`GET /analytics/dash`) reads besides 0001's `practice_daily_rollups` (whose key becomes
 * covering) and `metric_daily_rollups`, so that it touches O(window) rows by index and never scans `metrics` or
 * `practice_sessions`. All are derived data: the analytics jobs recompute them from source rows (idempotent),
 * and any of them can be rebuilt from scratch.
 *
 * Self-contained on purpose (no helpers imported from 0002): a migration must keep meaning what it meant when it
 * ran, whatever later code does to shared helpers.
 */

/** The tables this migration creates; the RLS test checks that each is protected. */
export const ANALYTICS_TABLES = [
  'practice_focus_daily_rollups',
  'metric_trend_points',
  'practice_streaks',
] as const;

const statements: RawBuilder<unknown>[] = [
  // The dashboard reads a window of a student's days: with the values in the key (INCLUDE) that is an index-only
  // scan of a few adjacent index pages instead of one heap page per day, scattered by years of daily upserts.
  sql`alter table practice_daily_rollups drop constraint practice_daily_rollups_pkey,
        add constraint practice_daily_rollups_pkey primary key (student_id, day)
          include (practice_seconds, session_count)`,
  // Sessions and minutes per focus per day: the dashboard's "sessions per focus" sums a window of these.
  sql`create table practice_focus_daily_rollups (
    student_id uuid not null references users (id) on delete cascade,
    day date not null,
    focus practice_focus not null,
    practice_seconds integer not null,
    session_count integer not null,
    primary key (student_id, day, focus) include (practice_seconds, session_count)
  )`,
  // One row per analysed session per metric, in session order, with the rolling 7-session mean and the mean of
  // the 7 sessions before (and their difference). A new session only appends rows; an edit in the past rewrites
  // the rows from that point on. The primary key carries the values (INCLUDE) so the dashboard's reads of a
  // student's series are index-only scans, however the heap is laid out.
  sql`create table metric_trend_points (
    student_id uuid not null references users (id) on delete cascade,
    metric_key text not null,
    ts timestamptz not null,
    session_id uuid not null references practice_sessions (id) on delete cascade,
    value double precision not null,
    rolling_mean_7 double precision not null,
    window_sessions smallint not null check (window_sessions between 1 and 7),
    previous_mean_7 double precision,
    delta_7 double precision,
    primary key (student_id, metric_key, ts, session_id)
      include (value, rolling_mean_7, previous_mean_7, delta_7)
  )`,
  // For the cascade when the purge job removes a session.
  sql`create index metric_trend_points_session_idx on metric_trend_points (session_id)`,
  // Per student: the longest streak and the latest one. Whether the latest is still current depends on today,
  // so the service decides that when it reads.
  sql`create table practice_streaks (
    student_id uuid primary key references users (id) on delete cascade,
    longest_days integer not null,
    latest_first_day date not null,
    latest_last_day date not null,
    latest_days integer not null,
    updated_at timestamptz not null default now()
  )`,
];

const app = sql.id(APP_ROLE);

/** The policies of 0002's rollup tables: system and admin do anything; the student and linked teachers read. */
function policies(table: string): RawBuilder<unknown>[] {
  const target = sql.table(table);
  return [
    sql`grant select, insert, update, delete on ${target} to ${app}`,
    sql`alter table ${target} enable row level security`,
    sql`alter table ${target} force row level security`,
    sql`create policy system_all on ${target} for all to ${app} using (app_is_system())`,
    sql`create policy admin_all on ${target} for all to ${app} using ((select app_is_admin()))`,
    sql`create policy student_or_teacher_select on ${target} for select to ${app}
        using (student_id = (select app_user_id())
               or student_id in (select ts.student_id from teacher_students ts
                                 where ts.teacher_id = (select app_user_id())))`,
  ];
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await statement.execute(db);
  for (const table of ANALYTICS_TABLES) {
    for (const statement of policies(table)) await statement.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...ANALYTICS_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
  await sql`alter table practice_daily_rollups drop constraint practice_daily_rollups_pkey,
              add constraint practice_daily_rollups_pkey primary key (student_id, day)`.execute(db);
}

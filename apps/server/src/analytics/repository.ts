import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../db/database';
import type { PracticeFocus } from '../db/schema';

/**
 * What a recompute covers: some UTC days of one student, or everything (a backfill, e.g. the benchmark's load or
 * a change of the rollup rules).
 */
export type RollupScope = { studentId: string; days: string[] } | 'everyone';

const DAY_MS = 86_400_000;

/** UTC midnight starting `day` (YYYY-MM-DD). */
function startOfDay(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}

/** The session's UTC start day, as rollups attribute it (a session counts entirely on the day it started). */
const sessionDay = sql`(s.start_ts at time zone 'UTC')::date`;

/**
 * Live sessions (alias `s`) in scope. The range on start_ts lets the partial index (student_id, start_ts) find them;
 * the day list then drops the days in between that are not in scope.
 */
function liveSessionsIn(scope: RollupScope): RawBuilder<unknown> {
  if (scope === 'everyone') return sql`s.deleted_at is null`;
  const sorted = [...scope.days].sort();
  const from = startOfDay(sorted[0]!);
  const to = new Date(startOfDay(sorted.at(-1)!).getTime() + DAY_MS);
  return sql`s.deleted_at is null and s.student_id = ${scope.studentId}
             and s.start_ts >= ${from} and s.start_ts < ${to}
             and ${sessionDay} in (${sql.join(scope.days.map((day) => sql`${day}::date`))})`;
}

/** Rollup rows (alias `r`) in scope. */
function rollupsIn(scope: RollupScope): RawBuilder<unknown> {
  if (scope === 'everyone') return sql`true`;
  return sql`r.student_id = ${scope.studentId}
             and r.day in (${sql.join(scope.days.map((day) => sql`${day}::date`))})`;
}

/**
 * How recomputed rows land: one student's rows are upserted and the rows of days left without source rows are
 * deleted afterwards; a backfill empties the table first and inserts plainly (no conflict is possible, and the
 * table's indexes may then be dropped for the load and rebuilt after).
 */
async function emptyForBackfill(tx: Tx, scope: RollupScope, table: string): Promise<void> {
  if (scope === 'everyone') await sql`delete from ${sql.table(table)}`.execute(tx);
}
function upsertUnlessBackfill(scope: RollupScope, upsert: RawBuilder<unknown>): RawBuilder<unknown> {
  return scope === 'everyone' ? sql`` : upsert;
}

export interface SessionForRollup {
  student_id: string;
  day: string;
  has_metrics: boolean;
}

/** What `findDashboardRows` returns; days as YYYY-MM-DD and times as ISO 8601 (UTC) strings. */
export interface DashboardRows {
  practice_days: { day: string; practice_seconds: number; session_count: number }[];
  focus_counts: { focus: PracticeFocus; sessions: number }[];
  points: { metric_key: string; session_id: string; ts: string; value: number; rolling_mean_7: number }[];
  latest: {
    metric_key: string;
    rolling_mean_7: number;
    previous_mean_7: number | null;
    delta_7: number | null;
  }[];
  streak: { longest_days: number; latest_days: number; latest_last_day: string } | null;
}

/**
 * Data access for the analytics rollups: recomputing them from source rows (`practice_sessions`, `metrics`) and
 * reading them for the dashboard. Recomputes are set-based SQL and replace what is in scope, never increment, so
 * running one twice leaves the same rows. The caller holds `lockStudent` for per-student recomputes.
 */
export const analyticsRepository = {
  /**
   * Serialises recomputes of one student until the transaction ends: the streak and trend rows depend on all of
   * the student's days, so two jobs working on different days must not interleave their reads and writes.
   */
  async lockStudent(tx: Tx, studentId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`rosin.analytics:${studentId}`}, 0))`.execute(
      tx,
    );
  },

  /** A session's student, UTC start day and whether it has metrics; deleted sessions included. */
  async findSessionForRollup(tx: Tx, sessionId: string): Promise<SessionForRollup | undefined> {
    const { rows } = await sql<SessionForRollup>`
      select s.student_id, to_char(${sessionDay}, 'YYYY-MM-DD') as day,
             exists (select 1 from metrics m where m.session_id = s.id) as has_metrics
      from practice_sessions s where s.id = ${sessionId}`.execute(tx);
    return rows[0];
  },

  /** practice_daily_rollups: minutes (end − start) and sessions per day, deleted sessions excluded. */
  async replacePracticeDailyRollups(tx: Tx, scope: RollupScope): Promise<void> {
    await emptyForBackfill(tx, scope, 'practice_daily_rollups');
    await sql`
      insert into practice_daily_rollups (student_id, day, practice_seconds, session_count)
      select s.student_id, ${sessionDay}, sum(extract(epoch from s.end_ts - s.start_ts))::int, count(*)
      from practice_sessions s
      where ${liveSessionsIn(scope)}
      group by 1, 2
      ${upsertUnlessBackfill(
        scope,
        sql`on conflict (student_id, day) do update
            set practice_seconds = excluded.practice_seconds, session_count = excluded.session_count`,
      )}`.execute(tx);
    if (scope === 'everyone') return;
    // Days in scope that no longer have a live session.
    await sql`
      delete from practice_daily_rollups r
      where ${rollupsIn(scope)}
        and not exists (select 1 from practice_sessions s
                        where s.student_id = r.student_id and s.deleted_at is null
                          and s.start_ts >= r.day::timestamp at time zone 'UTC'
                          and s.start_ts < (r.day + 1)::timestamp at time zone 'UTC')`.execute(tx);
  },

  /** practice_focus_daily_rollups: the same per focus. */
  async replaceFocusDailyRollups(tx: Tx, scope: RollupScope): Promise<void> {
    await emptyForBackfill(tx, scope, 'practice_focus_daily_rollups');
    await sql`
      insert into practice_focus_daily_rollups (student_id, day, focus, practice_seconds, session_count)
      select s.student_id, ${sessionDay}, s.focus, sum(extract(epoch from s.end_ts - s.start_ts))::int, count(*)
      from practice_sessions s
      where ${liveSessionsIn(scope)}
      group by 1, 2, 3
      ${upsertUnlessBackfill(
        scope,
        sql`on conflict (student_id, day, focus) do update
            set practice_seconds = excluded.practice_seconds, session_count = excluded.session_count`,
      )}`.execute(tx);
    if (scope === 'everyone') return;
    await sql`
      delete from practice_focus_daily_rollups r
      where ${rollupsIn(scope)}
        and not exists (select 1 from practice_sessions s
                        where s.student_id = r.student_id and s.deleted_at is null and s.focus = r.focus
                          and s.start_ts >= r.day::timestamp at time zone 'UTC'
                          and s.start_ts < (r.day + 1)::timestamp at time zone 'UTC')`.execute(tx);
  },

  /** metric_daily_rollups: per day and metric, over the live sessions that started that day. */
  async replaceMetricDailyRollups(tx: Tx, scope: RollupScope): Promise<void> {
    await emptyForBackfill(tx, scope, 'metric_daily_rollups');
    await sql`
      insert into metric_daily_rollups (student_id, day, metric_key, sample_count, value_sum, value_min, value_max)
      select s.student_id, ${sessionDay}, m.metric_key, count(*), sum(m.metric_val), min(m.metric_val),
             max(m.metric_val)
      from practice_sessions s join metrics m on m.session_id = s.id
      where ${liveSessionsIn(scope)}
      group by 1, 2, 3
      ${upsertUnlessBackfill(
        scope,
        sql`on conflict (student_id, metric_key, day) do update
            set sample_count = excluded.sample_count, value_sum = excluded.value_sum,
                value_min = excluded.value_min, value_max = excluded.value_max`,
      )}`.execute(tx);
    if (scope === 'everyone') return;
    await sql`
      delete from metric_daily_rollups r
      where ${rollupsIn(scope)}
        and not exists (select 1 from practice_sessions s join metrics m on m.session_id = s.id
                        where s.student_id = r.student_id and s.deleted_at is null and m.metric_key = r.metric_key
                          and s.start_ts >= r.day::timestamp at time zone 'UTC'
                          and s.start_ts < (r.day + 1)::timestamp at time zone 'UTC')`.execute(tx);
  },

  /**
   * metric_trend_points of one student from `from` on (or of everyone): each live analysed session's value in
   * session order (start, then id) with the mean of the last `windowSessions` values, and the mean of the
   * `windowSessions` before those. Rows before `from` are kept and feed the windows as context; rows from `from`
   * on are rewritten, since inserting or removing a session shifts every later window.
   */
  async replaceTrendPoints(
    tx: Tx,
    scope: { studentId: string; from: Date } | 'everyone',
    windowSessions: number,
  ): Promise<void> {
    // Enough earlier values for the previous window of the first rewritten row: 2 windows minus that row.
    const contextRows = 2 * windowSessions - 1;
    const preceding = sql.lit(windowSessions - 1);
    const lagBy = sql.lit(windowSessions);
    let series: RawBuilder<unknown>;
    if (scope === 'everyone') {
      await sql`delete from metric_trend_points`.execute(tx);
      series = sql`
        select s.student_id, m.metric_key, s.start_ts as ts, m.session_id, m.metric_val as value,
               false as is_context
        from practice_sessions s join metrics m on m.session_id = s.id
        where s.deleted_at is null`;
    } else {
      await sql`delete from metric_trend_points
                where student_id = ${scope.studentId} and ts >= ${scope.from}`.execute(tx);
      series = sql`
        with fresh as (
          select s.student_id, m.metric_key, s.start_ts as ts, m.session_id, m.metric_val as value
          from practice_sessions s join metrics m on m.session_id = s.id
          where s.student_id = ${scope.studentId} and s.deleted_at is null and s.start_ts >= ${scope.from}
        )
        select fresh.*, false as is_context from fresh
        union all
        select context.*, true
        from (select distinct metric_key from fresh) keys
        cross join lateral (
          select p.student_id, p.metric_key, p.ts, p.session_id, p.value
          from metric_trend_points p
          where p.student_id = ${scope.studentId} and p.metric_key = keys.metric_key and p.ts < ${scope.from}
          order by p.ts desc, p.session_id desc
          limit ${contextRows}
        ) context`;
    }
    await sql`
      insert into metric_trend_points
        (student_id, metric_key, ts, session_id, value, rolling_mean_7, window_sessions, previous_mean_7, delta_7)
      select student_id, metric_key, ts, session_id, value, rolling_mean, window_sessions, previous_mean,
             rolling_mean - previous_mean
      from (
        select *, lag(rolling_mean, ${lagBy}) over (partition by student_id, metric_key order by ts, session_id)
                    as previous_mean
        from (
          select *, avg(value) over recent as rolling_mean, count(*) over recent as window_sessions
          from (${series}) series
          window recent as (partition by student_id, metric_key order by ts, session_id
                            rows between ${preceding} preceding and current row)
        ) windowed
      ) compared
      where not is_context`.execute(tx);
  },

  /**
   * practice_streaks from practice_daily_rollups: runs of practice days in which no gap has more than
   * `restDaysAllowed` days without practice; per student the longest run and the latest.
   */
  async replaceStreaks(
    tx: Tx,
    scope: { studentId: string } | 'everyone',
    restDaysAllowed: number,
  ): Promise<void> {
    const students = scope === 'everyone' ? sql`true` : sql`r.student_id = ${scope.studentId}`;
    const maxStep = sql.lit(restDaysAllowed + 1);
    await sql`
      with practice_days as (
        select r.student_id, r.day,
               case when r.day - lag(r.day) over (partition by r.student_id order by r.day) <= ${maxStep}
                    then 0 else 1 end as starts_run
        from practice_daily_rollups r
        where ${students}
      ),
      numbered as (
        select student_id, day, sum(starts_run) over (partition by student_id order by day) as run
        from practice_days
      ),
      runs as (
        select student_id, run, min(day) as first_day, max(day) as last_day, count(*)::int as practice_days
        from numbered group by student_id, run
      )
      insert into practice_streaks
        (student_id, longest_days, latest_first_day, latest_last_day, latest_days, updated_at)
      select distinct on (student_id)
             student_id, max(practice_days) over (partition by student_id), first_day, last_day, practice_days, now()
      from runs
      order by student_id, run desc
      on conflict (student_id) do update
        set longest_days = excluded.longest_days, latest_first_day = excluded.latest_first_day,
            latest_last_day = excluded.latest_last_day, latest_days = excluded.latest_days,
            updated_at = excluded.updated_at`.execute(tx);
    await sql`
      delete from practice_streaks p
      where ${scope === 'everyone' ? sql`true` : sql`p.student_id = ${scope.studentId}`}
        and not exists (select 1 from practice_daily_rollups r where r.student_id = p.student_id)`.execute(
      tx,
    );
  },

  // --- Dashboard reads (RLS applies: the caller's own rows or a linked student's) -------------------------------

  /**
   * Everything the dashboard shows of one student, in one statement (one round trip; each part an index range
   * scan): practice rollups and focus counts of the days `from`–`to`, the trend points of `metricKeys` that started
   * in [`windowStart`, `windowEnd`), per metric the latest trend row before `windowEnd`, and the streak summary.
   */
  async findDashboardRows(
    tx: Tx,
    query: {
      studentId: string;
      metricKeys: readonly string[];
      from: string;
      to: string;
      windowStart: Date;
      windowEnd: Date;
    },
  ): Promise<DashboardRows> {
    const { studentId, from, to, windowStart, windowEnd } = query;
    const metricKeys = sql.join(query.metricKeys.map((key) => sql`${key}`));
    const { rows } = await sql<DashboardRows>`
      select
        (select coalesce(json_agg(json_build_object(
                  'day', to_char(r.day, 'YYYY-MM-DD'),
                  'practice_seconds', r.practice_seconds,
                  'session_count', r.session_count) order by r.day), '[]')
         from practice_daily_rollups r
         where r.student_id = ${studentId} and r.day between ${from} and ${to}) as practice_days,
        (select coalesce(json_agg(json_build_object('focus', f.focus, 'sessions', f.sessions)), '[]')
         from (select focus, sum(session_count)::int as sessions
               from practice_focus_daily_rollups
               where student_id = ${studentId} and day between ${from} and ${to}
               group by focus) f) as focus_counts,
        (select coalesce(json_agg(json_build_object(
                  'metric_key', p.metric_key,
                  'session_id', p.session_id,
                  'ts', to_char(p.ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'value', p.value,
                  'rolling_mean_7', p.rolling_mean_7) order by p.metric_key, p.ts, p.session_id), '[]')
         from metric_trend_points p
         where p.student_id = ${studentId} and p.metric_key in (${metricKeys})
           and p.ts >= ${windowStart} and p.ts < ${windowEnd}) as points,
        (select coalesce(json_agg(json_build_object(
                  'metric_key', keys.metric_key,
                  'rolling_mean_7', latest.rolling_mean_7,
                  'previous_mean_7', latest.previous_mean_7,
                  'delta_7', latest.delta_7)), '[]')
         from unnest(array[${metricKeys}]::text[]) as keys (metric_key)
         cross join lateral (
           select p.rolling_mean_7, p.previous_mean_7, p.delta_7
           from metric_trend_points p
           where p.student_id = ${studentId} and p.metric_key = keys.metric_key and p.ts < ${windowEnd}
           order by p.ts desc, p.session_id desc
           limit 1
         ) latest) as latest,
        (select json_build_object(
                  'longest_days', s.longest_days,
                  'latest_days', s.latest_days,
                  'latest_last_day', to_char(s.latest_last_day, 'YYYY-MM-DD'))
         from practice_streaks s where s.student_id = ${studentId}) as streak`.execute(tx);
    return rows[0]!;
  },
};

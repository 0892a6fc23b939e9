import {
  CORE_METRIC_KEYS,
  METRIC_UNITS,
  STREAK_REST_DAYS_ALLOWED,
  type CoreMetricKey,
  type Dashboard,
  type DashQuery,
  type MetricTrend,
  type PracticeDay,
  type PracticeStreak,
} from '@rosin/contracts/analytics';
import { PracticeFocus } from '@rosin/contracts/sessions';
import type { Principal } from '../auth/access-tokens';
import type { Database } from '../db/database';
import { resolveReadableStudent } from '../teaching/student-access';
import { analyticsRepository as analytics, type DashboardRows } from './repository';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of the UTC day `offset` days after `day`. */
export function addDays(day: string, offset: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + offset * DAY_MS).toISOString().slice(0, 10);
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Every day from `from` to `to` inclusive, with the rollup's minutes and sessions or zeros. */
export function fillPracticeDays(
  rows: { day: string; practice_seconds: number; session_count: number }[],
  from: string,
  to: string,
): PracticeDay[] {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const days: PracticeDay[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const row = byDay.get(day);
    // Whole minutes rounded down, as the teacher's heat-map shows them.
    days.push({
      day,
      minutes: row ? Math.floor(row.practice_seconds / 60) : 0,
      sessions: row?.session_count ?? 0,
    });
  }
  return days;
}

/**
 * The latest streak is current while its last practice day is at most `restDaysAllowed + 1` days ago: the rest
 * days it may still absorb, plus today, which is not over yet.
 */
export function currentStreak(
  summary: DashboardRows['streak'],
  today: string,
  restDaysAllowed = STREAK_REST_DAYS_ALLOWED,
): PracticeStreak {
  if (!summary) return { currentDays: 0, longestDays: 0, restDaysAllowed };
  const alive = summary.latest_last_day >= addDays(today, -(restDaysAllowed + 1));
  return {
    currentDays: alive ? summary.latest_days : 0,
    longestDays: summary.longest_days,
    restDaysAllowed,
  };
}

function toMetricTrends(points: DashboardRows['points'], latest: DashboardRows['latest']): MetricTrend[] {
  return CORE_METRIC_KEYS.map((metricKey: CoreMetricKey) => {
    const last = latest.find((row) => row.metric_key === metricKey);
    return {
      metricKey,
      unit: METRIC_UNITS[metricKey],
      points: points
        .filter((point) => point.metric_key === metricKey)
        .map((point) => ({
          sessionId: point.session_id,
          ts: point.ts,
          value: point.value,
          rollingMean7: point.rolling_mean_7,
        })),
      latestMean7: last?.rolling_mean_7 ?? null,
      previousMean7: last?.previous_mean_7 ?? null,
      delta: last?.delta_7 ?? null,
    };
  });
}

export class AnalyticsService {
  constructor(
    private readonly db: Database,
    /** The clock that decides "today" (UTC); tests pin it. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * A student's dashboard over the `days` days ending today (UTC): read from the rollup tables only, O(window)
   * rows by index. A student sees their own; a teacher names a linked student.
   */
  async dashboard(principal: Principal, query: DashQuery): Promise<Dashboard> {
    const to = utcDay(this.now());
    const from = addDays(to, -(query.days - 1));
    const windowStart = new Date(`${from}T00:00:00.000Z`);
    const windowEnd = new Date(`${addDays(to, 1)}T00:00:00.000Z`);

    return this.db.asUser(principal.userId, async (tx) => {
      const studentId = await resolveReadableStudent(tx, principal, query.studentId);
      const rows = await analytics.findDashboardRows(tx, {
        studentId,
        metricKeys: CORE_METRIC_KEYS,
        from,
        to,
        windowStart,
        windowEnd,
      });
      const sessionsByFocus = Object.fromEntries(
        PracticeFocus.options.map((focus) => [
          focus,
          rows.focus_counts.find((row) => row.focus === focus)?.sessions ?? 0,
        ]),
      ) as Record<PracticeFocus, number>;
      return {
        studentId,
        from,
        to,
        practiceMinutesByDay: fillPracticeDays(rows.practice_days, from, to),
        sessionsByFocus,
        metrics: toMetricTrends(rows.points, rows.latest),
        streak: currentStreak(rows.streak, to),
      };
    });
  }
}

import { IsoDate, ROLLING_WINDOW_SESSIONS, STREAK_REST_DAYS_ALLOWED } from '@rosin/contracts/analytics';
import { z } from 'zod';
import type { Database, Tx } from '../db/database';
import { subscribe, type OutboxSubscriber } from '../events/outbox-dispatcher';
import { defineJob, type JobRegistry } from '../queue/job-queue';
import { analyticsRepository as analytics } from './repository';

export const ANALYTICS_QUEUE = 'analytics';

/** A session was logged, moved, refocused or deleted: recompute the practice rollups of its days. */
export const refreshPracticeDaysJob = defineJob({
  queue: ANALYTICS_QUEUE,
  name: 'refresh-practice-days',
  payload: z.object({
    sessionId: z.uuid(),
    studentId: z.uuid(),
    days: z.array(IsoDate).min(1).max(31),
  }),
});

/** A session's metrics were (re)written: recompute the metric rollups of its day and the trend from it on. */
export const refreshSessionMetricsJob = defineJob({
  queue: ANALYTICS_QUEUE,
  name: 'refresh-session-metrics',
  payload: z.object({ sessionId: z.uuid() }),
});

export const analyticsSubscribers: OutboxSubscriber[] = [
  subscribe('analytics.practice-days', 'practice_session.changed', (event, { enqueue }) =>
    enqueue(refreshPracticeDaysJob, event.payload),
  ),
  subscribe('analytics.session-metrics', 'metrics_ready', (event, { enqueue }) =>
    enqueue(refreshSessionMetricsJob, { sessionId: event.payload.sessionId }),
  ),
];

export interface StudentAnalyticsChange {
  studentId: string;
  /** UTC days (YYYY-MM-DD) whose sessions or metrics changed. */
  days: string[];
  /** Sessions were logged, moved, refocused or deleted: practice minutes, sessions per focus, streak. */
  practice: boolean;
  /** Metrics of those days may have changed (written, or their session moved or deleted): metric rollups, trend. */
  metrics: boolean;
}

/**
 * Recomputes the analytics rollups a change of `days` can affect, from the source rows, as one unit under the
 * student's lock: practice minutes and sessions per day and per focus and the streak (with `practice`), the metric
 * rollups of those days and the trend from the first of them on (with `metrics`). Idempotent: it replaces, never
 * increments. Needs a system transaction (rollups are written by trusted work only).
 */
export async function recomputeStudentAnalytics(tx: Tx, change: StudentAnalyticsChange): Promise<void> {
  const days = [...new Set(change.days)].sort();
  if (days.length === 0) return;
  const scope = { studentId: change.studentId, days };
  await analytics.lockStudent(tx, change.studentId);
  if (change.practice) {
    await analytics.replacePracticeDailyRollups(tx, scope);
    await analytics.replaceFocusDailyRollups(tx, scope);
    await analytics.replaceStreaks(tx, { studentId: change.studentId }, STREAK_REST_DAYS_ALLOWED);
  }
  if (change.metrics) {
    await analytics.replaceMetricDailyRollups(tx, scope);
    await analytics.replaceTrendPoints(
      tx,
      { studentId: change.studentId, from: new Date(`${days[0]}T00:00:00.000Z`) },
      ROLLING_WINDOW_SESSIONS,
    );
  }
}

/**
 * The set-based backfill of every student, table by table, in dependency order (streaks read the practice
 * rollups). Each step empties its table and rebuilds it from source rows.
 */
export const BACKFILL_STEPS: readonly { table: string; run: (tx: Tx) => Promise<void> }[] = [
  { table: 'practice_daily_rollups', run: (tx) => analytics.replacePracticeDailyRollups(tx, 'everyone') },
  { table: 'practice_focus_daily_rollups', run: (tx) => analytics.replaceFocusDailyRollups(tx, 'everyone') },
  {
    table: 'practice_streaks',
    run: (tx) => analytics.replaceStreaks(tx, 'everyone', STREAK_REST_DAYS_ALLOWED),
  },
  { table: 'metric_daily_rollups', run: (tx) => analytics.replaceMetricDailyRollups(tx, 'everyone') },
  {
    table: 'metric_trend_points',
    run: (tx) => analytics.replaceTrendPoints(tx, 'everyone', ROLLING_WINDOW_SESSIONS),
  },
];

/** Builds every analytics rollup of every student from scratch (backfills, e.g. after a change of the rules). */
export async function rebuildAllAnalytics(tx: Tx): Promise<void> {
  for (const step of BACKFILL_STEPS) await step.run(tx);
}

export async function refreshPracticeDays(
  tx: Tx,
  payload: z.output<typeof refreshPracticeDaysJob.schema>,
): Promise<void> {
  // A session without metrics is not part of any trend (unless it had some: the check reads them, deleted or not).
  const session = await analytics.findSessionForRollup(tx, payload.sessionId);
  await recomputeStudentAnalytics(tx, {
    studentId: payload.studentId,
    days: payload.days,
    practice: true,
    metrics: session?.has_metrics ?? false,
  });
}

export async function refreshSessionMetrics(
  tx: Tx,
  payload: z.output<typeof refreshSessionMetricsJob.schema>,
): Promise<void> {
  const session = await analytics.findSessionForRollup(tx, payload.sessionId);
  // Purged since: its rows went with it (cascade), and its deletion was recomputed when it was soft-deleted.
  if (!session) return;
  // Metrics change neither minutes nor streaks.
  await recomputeStudentAnalytics(tx, {
    studentId: session.student_id,
    days: [session.day],
    practice: false,
    metrics: true,
  });
}

export function registerAnalyticsJobs(registry: JobRegistry, deps: { db: Database }): void {
  registry.on(refreshPracticeDaysJob, (job) =>
    deps.db.asSystem((tx) => refreshPracticeDays(tx, job.payload)),
  );
  registry.on(refreshSessionMetricsJob, (job) =>
    deps.db.asSystem((tx) => refreshSessionMetrics(tx, job.payload)),
  );
}

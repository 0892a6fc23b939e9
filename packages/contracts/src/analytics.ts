import { z } from 'zod';
import { IsoDateTime, Uuid } from './common';
import { PracticeFocus, SessionMetrics } from './sessions';

/** A calendar day in UTC, `YYYY-MM-DD`. Every day boundary of the analytics is a UTC midnight. */
export const IsoDate = z.iso.date();

/** The six metrics every analysed session has (the named fields of `SessionMetrics`). */
export const CoreMetricKey = SessionMetrics.keyof();
export type CoreMetricKey = z.infer<typeof CoreMetricKey>;
export const CORE_METRIC_KEYS = CoreMetricKey.options;

/** Units as docs/metrics.md states them. */
export const METRIC_UNITS: Record<CoreMetricKey, string> = {
  tempoBpm: 'bpm',
  tempoVarianceMs: 'ms',
  dynamicRangeDb: 'dB',
  vibratoRateHz: 'Hz',
  vibratoExtentCents: 'cents',
  bowStability: 'score',
};

/** Sessions in a rolling mean; the delta compares it with the mean of the same number of sessions before. */
export const ROLLING_WINDOW_SESSIONS = 7;
/** A streak survives this many consecutive days without practice; one more breaks it. */
export const STREAK_REST_DAYS_ALLOWED = 1;

export const DashQuery = z.object({
  /** Teachers: the linked student to show (required). Students: omitted, or their own id. */
  studentId: Uuid.optional(),
  /** Days in the window, ending today (UTC) inclusive. */
  days: z.coerce.number().int().min(7).max(365).default(28),
});
export type DashQuery = z.infer<typeof DashQuery>;

export const PracticeDay = z.object({
  day: IsoDate,
  /** Whole minutes (rounded down) of the sessions that started that day; a session counts on its start day. */
  minutes: z.number().int(),
  sessions: z.number().int(),
});
export type PracticeDay = z.infer<typeof PracticeDay>;

export const MetricTrendPoint = z.object({
  sessionId: Uuid,
  /** The session's start. */
  ts: IsoDateTime,
  value: z.number(),
  /** Mean of this session's value and the values of the (up to) 6 analysed sessions before it. */
  rollingMean7: z.number(),
});
export type MetricTrendPoint = z.infer<typeof MetricTrendPoint>;

export const MetricTrend = z
  .object({
    metricKey: CoreMetricKey,
    unit: z.string(),
    /** Analysed sessions that started in the window, oldest first. */
    points: z.array(MetricTrendPoint),
    /** Rolling mean at the student's latest analysed session (even one before the window); null if none. */
    latestMean7: z.number().nullable(),
    /**
     * Mean of the (up to) 7 sessions before those of `latestMean7`: the previous, non-overlapping window.
     * Null until the student has more than 7 analysed sessions.
     */
    previousMean7: z.number().nullable(),
    /** latestMean7 − previousMean7, in the metric's unit; null when either is. */
    delta: z.number().nullable(),
  })
  .meta({ id: 'MetricTrend' });
export type MetricTrend = z.infer<typeof MetricTrend>;

export const PracticeStreak = z
  .object({
    /**
     * Practice days in the current streak: 0 once two days in a row (UTC) passed without practice. Today not
     * practised yet does not break it, nor does one rest day: practising on Monday, Wednesday and Thursday is a
     * streak of 3 days, alive until the end of Saturday.
     */
    currentDays: z.number().int(),
    /** The most practice days any streak of the student had, the current one included. */
    longestDays: z.number().int(),
    /** Consecutive days without practice a streak survives (1: a third day in a row without practice ends it). */
    restDaysAllowed: z.number().int(),
  })
  .meta({
    id: 'PracticeStreak',
    description:
      'Streaks tolerate rest days: a streak survives gaps of at most one day without practice (no two ' +
      'consecutive UTC days without practice) and counts the days with practice.',
  });
export type PracticeStreak = z.infer<typeof PracticeStreak>;

export const Dashboard = z
  .object({
    studentId: Uuid,
    /** First and last day of the window (UTC), inclusive. */
    from: IsoDate,
    to: IsoDate,
    /** Every day of the window, oldest first, days without practice included as zeros. */
    practiceMinutesByDay: z.array(PracticeDay),
    /** Sessions started in the window, per focus; every focus present. */
    sessionsByFocus: z.record(PracticeFocus, z.number().int()),
    /** One trend per core metric, in the order of `SessionMetrics`. */
    metrics: z.array(MetricTrend),
    streak: PracticeStreak,
  })
  .meta({ id: 'Dashboard' });
export type Dashboard = z.infer<typeof Dashboard>;

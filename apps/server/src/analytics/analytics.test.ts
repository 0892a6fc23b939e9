import type { AuthResponse } from '@rosin/contracts/auth';
import { CORE_METRIC_KEYS, DashQuery, type CoreMetricKey, type Dashboard } from '@rosin/contracts/analytics';
import type { ErrorResponse } from '@rosin/contracts/errors';
import type { PracticeSession } from '@rosin/contracts/sessions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../../test/api-harness';
import { backends } from '../../test/backends';
import { practiceSessionBody } from '../../test/fixtures';
import { createCast, type Cast } from '../../test/principals';
import type { Principal } from '../auth/access-tokens';
import { appendEvent } from '../events/outbox';
import { OutboxDispatcher, type OutboxSubscriber } from '../events/outbox-dispatcher';
import { createJobQueue } from '../queue/create-job-queue';
import { JobRegistry, type JobHandler, type JobQueue } from '../queue/job-queue';
import { waitFor } from '../queue/test-drivers';
import {
  analyticsSubscribers,
  rebuildAllAnalytics,
  recomputeStudentAnalytics,
  refreshPracticeDays,
  refreshSessionMetrics,
  registerAnalyticsJobs,
} from './jobs';
import { addDays, AnalyticsService, currentStreak, fillPracticeDays, utcDay } from './service';

/** "Today" of the service-level tests: a Friday. */
const TODAY = '2026-03-20';
const at = (day: string, time: string) => `${day}T${time}.000Z`;
const daysBefore = (n: number) => addDays(TODAY, -n);

describe('dashboard helpers', () => {
  it('fills every day of the window and rounds minutes down', () => {
    const days = fillPracticeDays(
      [{ day: '2026-03-02', practice_seconds: 119, session_count: 1 }],
      '2026-03-01',
      '2026-03-03',
    );
    expect(days).toEqual([
      { day: '2026-03-01', minutes: 0, sessions: 0 },
      { day: '2026-03-02', minutes: 1, sessions: 1 },
      { day: '2026-03-03', minutes: 0, sessions: 0 },
    ]);
  });

  it('keeps a streak through one rest day and today, and ends it after two days without practice', () => {
    const summary = { longest_days: 9, latest_days: 3, latest_last_day: '2026-03-19' }; // Thursday
    expect(currentStreak(summary, '2026-03-19').currentDays).toBe(3); // practised today
    expect(currentStreak(summary, '2026-03-20').currentDays).toBe(3); // not yet today
    expect(currentStreak(summary, '2026-03-21').currentDays).toBe(3); // Friday a rest day, Saturday not over
    expect(currentStreak(summary, '2026-03-22')).toEqual({
      currentDays: 0,
      longestDays: 9,
      restDaysAllowed: 1,
    });
    expect(currentStreak(null, '2026-03-22')).toEqual({
      currentDays: 0,
      longestDays: 0,
      restDaysAllowed: 1,
    });
  });
});

describe.each(backends)('analytics on $name', (backend) => {
  let api: ApiHarness;
  let cast: Cast;
  let queue: JobQueue;
  let dispatcher: OutboxDispatcher;
  let service: AnalyticsService;
  let jobsEnqueued = 0;
  let jobsDone = 0;
  const jobErrors: string[] = [];

  beforeAll(async () => {
    api = await ApiHarness.start(backend);
    cast = await createCast(api);
    const db = api.backend.db;
    service = new AnalyticsService(db, () => new Date(at(TODAY, '12:00:00')));

    // The worker runtime as the lead wires it: the outbox feeds the analytics subscribers, whose jobs run on the
    // backend's queue (database queue on PGlite, BullMQ when Redis is there). Both sides are counted so that
    // `settle()` knows when every job of every dispatched event has finished.
    queue = createJobQueue({
      db,
      redis: api.backend.redis,
      retry: { maxAttempts: 1, backoffBaseMs: 10, backoffMaxMs: 10 },
      logger: { warn: () => {}, error: (_, message) => jobErrors.push(message) },
      database: { pollIntervalMs: 20 },
      bullmq: { prefix: api.backend.keyPrefix },
    });
    const registry = new JobRegistry();
    registerAnalyticsJobs(registry, { db });
    for (const name of registry.queues()) {
      const counted = Object.entries(registry.handlers(name)).map(([job, handler]): [string, JobHandler] => [
        job,
        async (running) => {
          await handler(running);
          jobsDone++;
        },
      ]);
      await queue.work(name, Object.fromEntries(counted), {
        onDead: (job, error) => void jobErrors.push(`${job.name}: ${error.message}`),
      });
    }
    const subscribers = analyticsSubscribers.map((subscriber): OutboxSubscriber => ({
      ...subscriber,
      handle: async (event, context) => {
        await subscriber.handle(event, context);
        jobsEnqueued++;
      },
    }));
    dispatcher = new OutboxDispatcher(db, queue, subscribers);
  });
  afterAll(async () => {
    await dispatcher.stop();
    await queue.close();
    await api.close();
  });

  /** Delivers every pending outbox event and waits for the analytics jobs they started. */
  async function settle(): Promise<void> {
    while ((await dispatcher.dispatchOnce()).claimed > 0);
    await waitFor(() => jobErrors.length > 0 || jobsDone >= jobsEnqueued);
    expect(jobErrors).toEqual([]);
  }

  const asStudent = (student: AuthResponse): Principal => ({ userId: student.user.id, role: 'student' });

  async function logSession(
    student: AuthResponse,
    start: string,
    minutes: number,
    focus = 'scales',
  ): Promise<PracticeSession> {
    const endTs = new Date(Date.parse(start) + minutes * 60_000).toISOString();
    const response = await api.request<{ session: PracticeSession }>('POST', '/sessions', {
      token: student.accessToken,
      body: practiceSessionBody({ startTs: start, endTs, focus }),
    });
    expect(response.status).toBe(201);
    return response.body.session;
  }

  /** What the media worker does when an analysis finishes: replace the metric set, announce it. */
  async function writeMetrics(
    session: PracticeSession,
    values: Partial<Record<CoreMetricKey, number>>,
  ): Promise<void> {
    await api.backend.db.asSystem(async (tx) => {
      await tx.deleteFrom('metrics').where('session_id', '=', session.id).execute();
      await tx
        .insertInto('metrics')
        .values(
          Object.entries(values).flatMap(([key, value]) =>
            value === undefined
              ? []
              : [
                  {
                    session_id: session.id,
                    student_id: session.studentId,
                    metric_key: key,
                    metric_val: value,
                    unit: 'x',
                    ts: session.startTs,
                  },
                ],
          ),
        )
        .execute();
      await appendEvent(tx, {
        type: 'metrics_ready',
        aggregateId: session.id,
        payload: { sessionId: session.id, studentId: session.studentId, analysisVersion: 'test' },
      });
    });
  }

  /** Every analytics row of a student, in a stable order (dates as strings). */
  function snapshot(studentId: string) {
    return api.backend.db.asSystem(async (tx) => {
      const ordered = <T extends object>(rows: T[]) => JSON.parse(JSON.stringify(rows)) as T[];
      return {
        practice: ordered(
          await tx
            .selectFrom('practice_daily_rollups')
            .selectAll()
            .where('student_id', '=', studentId)
            .orderBy('day')
            .execute(),
        ),
        focus: ordered(
          await tx
            .selectFrom('practice_focus_daily_rollups')
            .selectAll()
            .where('student_id', '=', studentId)
            .orderBy('day')
            .orderBy('focus')
            .execute(),
        ),
        metricDays: ordered(
          await tx
            .selectFrom('metric_daily_rollups')
            .selectAll()
            .where('student_id', '=', studentId)
            .orderBy('metric_key')
            .orderBy('day')
            .execute(),
        ),
        trend: ordered(
          await tx
            .selectFrom('metric_trend_points')
            .selectAll()
            .where('student_id', '=', studentId)
            .orderBy('metric_key')
            .orderBy('ts')
            .execute(),
        ),
        streak: ordered(
          await tx
            .selectFrom('practice_streaks')
            .select(['student_id', 'longest_days', 'latest_first_day', 'latest_last_day', 'latest_days'])
            .where('student_id', '=', studentId)
            .execute(),
        ),
      };
    });
  }

  it('builds minutes per day, sessions per focus and the streak from logged, moved and deleted sessions', async () => {
    const student = await api.register('student');
    await logSession(student, at(daysBefore(8), '10:00:00'), 30); // 03-12, before the window
    await logSession(student, at(daysBefore(6), '08:00:00'), 45); // 03-14
    await logSession(student, at(daysBefore(6), '18:00:00'), 20, 'etudes'); // 03-14 again
    await logSession(student, at(daysBefore(5), '09:00:00'), 30, 'repertoire'); // 03-15
    await logSession(student, at(daysBefore(3), '09:00:00'), 10.5, 'technique'); // 03-17: 10 min 30 s
    await logSession(student, at(TODAY, '07:00:00'), 25); // 03-20
    const deleted = await logSession(student, at(daysBefore(1), '10:00:00'), 60); // 03-19, deleted below
    const moved = await logSession(student, at(daysBefore(4), '12:00:00'), 15, 'other'); // 03-16 → 03-13
    await settle();
    expect(
      (await service.dashboard(asStudent(student), DashQuery.parse({ days: 7 }))).practiceMinutesByDay[5],
    ).toEqual({
      day: daysBefore(1),
      minutes: 60,
      sessions: 1,
    });

    expect(
      (await api.request('DELETE', `/sessions/${deleted.id}`, { token: student.accessToken })).status,
    ).toBe(204);
    const patched = await api.request('PATCH', `/sessions/${moved.id}`, {
      token: student.accessToken,
      body: { startTs: at(daysBefore(7), '12:00:00'), endTs: at(daysBefore(7), '12:15:00') },
    });
    expect(patched.status).toBe(200);
    await settle();

    const dash = await service.dashboard(asStudent(student), DashQuery.parse({ days: 7 }));
    expect(dash).toMatchObject({ studentId: student.user.id, from: '2026-03-14', to: TODAY });
    expect(dash.practiceMinutesByDay).toEqual([
      { day: '2026-03-14', minutes: 65, sessions: 2 },
      { day: '2026-03-15', minutes: 30, sessions: 1 },
      { day: '2026-03-16', minutes: 0, sessions: 0 }, // the moved session left this day
      { day: '2026-03-17', minutes: 10, sessions: 1 },
      { day: '2026-03-18', minutes: 0, sessions: 0 },
      { day: '2026-03-19', minutes: 0, sessions: 0 }, // the deleted session no longer counts
      { day: '2026-03-20', minutes: 25, sessions: 1 },
    ]);
    expect(dash.sessionsByFocus).toEqual({
      scales: 2,
      etudes: 1,
      repertoire: 1,
      technique: 1,
      sight_reading: 0,
      other: 0, // moved out of the window
    });
    // Practice days 12, 13 (moved there), 14, 15, 17 | 20: one rest day (16) is tolerated, two (18, 19) are not.
    expect(dash.streak).toEqual({ currentDays: 1, longestDays: 5, restDaysAllowed: 1 });
    expect(dash.metrics.map((metric) => metric.metricKey)).toEqual(CORE_METRIC_KEYS);
    expect(dash.metrics.every((metric) => metric.points.length === 0 && metric.latestMean7 === null)).toBe(
      true,
    );

    // The moved session's old and new days were both recomputed: 03-13 now holds it.
    const week = await service.dashboard(asStudent(student), DashQuery.parse({ days: 9 }));
    expect(week.practiceMinutesByDay.slice(0, 2)).toEqual([
      { day: '2026-03-12', minutes: 30, sessions: 1 },
      { day: '2026-03-13', minutes: 15, sessions: 1 },
    ]);
    expect(week.sessionsByFocus.other).toBe(1);
  });

  it('keeps rolling 7-session means and deltas against the previous window, through a deletion', async () => {
    const student = await api.register('student');
    // Ten daily sessions, tempo 60, 62, …, 78 bpm; no bow stability measured.
    const sessions: PracticeSession[] = [];
    for (let i = 1; i <= 10; i++) {
      const session = await logSession(student, at(daysBefore(10 - i), '10:00:00'), 20);
      sessions.push(session);
      await writeMetrics(session, {
        tempoBpm: 58 + 2 * i,
        tempoVarianceMs: 30 - i,
        dynamicRangeDb: 12,
        vibratoRateHz: 5.5,
        vibratoExtentCents: 40,
      });
    }
    await settle();

    const dash = await service.dashboard(asStudent(student), DashQuery.parse({}));
    const tempo = dash.metrics.find((metric) => metric.metricKey === 'tempoBpm')!;
    expect(tempo.unit).toBe('bpm');
    expect(tempo.points.map((point) => point.value)).toEqual([60, 62, 64, 66, 68, 70, 72, 74, 76, 78]);
    // Sessions 1–7: the mean of all so far (59 + i); then of the last seven: 62…74 → 68, 64…76 → 70, 66…78 → 72.
    expect(tempo.points.map((point) => point.rollingMean7)).toEqual([60, 61, 62, 63, 64, 65, 66, 68, 70, 72]);
    expect(tempo.points.map((point) => point.sessionId)).toEqual(sessions.map((session) => session.id));
    // The window before the latest seven is sessions 1–3: 60, 62, 64 → 62.
    expect(tempo).toMatchObject({ latestMean7: 72, previousMean7: 62, delta: 10 });
    const bow = dash.metrics.find((metric) => metric.metricKey === 'bowStability')!;
    expect(bow).toEqual({
      metricKey: 'bowStability',
      unit: 'score',
      points: [],
      latestMean7: null,
      previousMean7: null,
      delta: null,
    });

    // Deleting session 5 (68 bpm) shifts every later window.
    const deleted = sessions[4]!;
    expect(
      (await api.request('DELETE', `/sessions/${deleted.id}`, { token: student.accessToken })).status,
    ).toBe(204);
    await settle();
    const after = (await service.dashboard(asStudent(student), DashQuery.parse({}))).metrics[0]!;
    expect(after.points.map((point) => point.sessionId)).not.toContain(deleted.id);
    // Latest seven: 64, 66, 70, 72, 74, 76, 78 = 500 / 7; the two before: 60, 62 → 61.
    expect(after.latestMean7).toBeCloseTo(500 / 7, 10);
    expect(after.previousMean7).toBeCloseTo(61, 10);
    expect(after.delta).toBeCloseTo(500 / 7 - 61, 10);
    expect(after.points.at(-1)!.rollingMean7).toBeCloseTo(500 / 7, 10);
    // Session 6 (70) now closes the window 60, 62, 64, 66, 70 → 64.4.
    expect(after.points[4]!.rollingMean7).toBeCloseTo(64.4, 10);

    // A session logged offline later, in the middle of the series (06:00 on session 8's day, which started at
    // 10:00), slots in and shifts the windows after it.
    const late = await logSession(student, at(daysBefore(2), '06:00:00'), 20);
    await writeMetrics(late, { tempoBpm: 100 });
    await settle();
    const withLate = (await service.dashboard(asStudent(student), DashQuery.parse({}))).metrics[0]!;
    expect(withLate.points.map((point) => point.value)).toEqual([60, 62, 64, 66, 70, 72, 100, 74, 76, 78]);
    // Latest seven: 66, 70, 72, 100, 74, 76, 78 = 536 / 7; before: 60, 62, 64 → 62.
    expect(withLate.latestMean7).toBeCloseTo(536 / 7, 10);
    expect(withLate.previousMean7).toBeCloseTo(62, 10);
  });

  it('recomputes idempotently: jobs run twice, and a full rebuild, leave the same rows', async () => {
    const student = await api.register('student');
    const sessions: PracticeSession[] = [];
    for (let i = 0; i < 12; i++) {
      const session = await logSession(
        student,
        at(daysBefore(20 - i * 2 + (i % 3)), `0${i % 9}:30:00`),
        10 + i,
        i % 2 ? 'etudes' : 'scales',
      );
      sessions.push(session);
      await writeMetrics(session, { tempoBpm: 70 + ((i * 7) % 11), bowStability: 50 + i });
    }
    await api.request('DELETE', `/sessions/${sessions[3]!.id}`, { token: student.accessToken });
    await settle();
    const once = await snapshot(student.user.id);
    expect(once.trend).toHaveLength(22);
    expect(once.streak).toHaveLength(1);

    const db = api.backend.db;
    for (const session of sessions) {
      await db.asSystem((tx) => refreshSessionMetrics(tx, { sessionId: session.id }));
      await db.asSystem((tx) =>
        refreshPracticeDays(tx, {
          sessionId: session.id,
          studentId: student.user.id,
          days: [session.startTs.slice(0, 10)],
        }),
      );
    }
    expect(await snapshot(student.user.id)).toEqual(once);

    const allDays = Array.from({ length: 30 }, (_, i) => daysBefore(i));
    await db.asSystem((tx) =>
      recomputeStudentAnalytics(tx, {
        studentId: student.user.id,
        days: allDays,
        practice: true,
        metrics: true,
      }),
    );
    expect(await snapshot(student.user.id)).toEqual(once);

    // The set-based backfill of everyone (used by the benchmark) agrees with the incremental jobs.
    await db.asSystem((tx) => rebuildAllAnalytics(tx));
    expect(await snapshot(student.user.id)).toEqual(once);
  });

  describe('GET /analytics/dash', () => {
    const today = utcDay(new Date());
    let url: string;
    beforeAll(async () => {
      const studentA = cast.studentA;
      url = `/analytics/dash?studentId=${studentA.user.id}`;
      const yesterday = await logSession(studentA, `${addDays(today, -1)}T00:30:00.000Z`, 40, 'etudes');
      await writeMetrics(yesterday, { tempoBpm: 90, vibratoRateHz: 6 });
      await logSession(studentA, `${today}T00:00:00.000Z`, 20);
      await settle();
    });

    it('answers a student with their own dashboard over 28 days by default', async () => {
      const response = await api.request<Dashboard>('GET', '/analytics/dash', {
        token: cast.studentA.accessToken,
      });
      expect(response.status).toBe(200);
      const dash = response.body;
      expect(dash.practiceMinutesByDay).toHaveLength(28);
      expect(dash.practiceMinutesByDay.at(-1)).toEqual({ day: today, minutes: 20, sessions: 1 });
      expect(dash.practiceMinutesByDay.at(-2)).toEqual({ day: addDays(today, -1), minutes: 40, sessions: 1 });
      expect(dash.from).toBe(addDays(today, -27));
      expect(dash.sessionsByFocus).toMatchObject({ scales: 1, etudes: 1 });
      expect(dash.streak).toEqual({ currentDays: 2, longestDays: 2, restDaysAllowed: 1 });
      const tempo = dash.metrics.find((metric) => metric.metricKey === 'tempoBpm')!;
      expect(tempo.points).toHaveLength(1);
      expect(tempo).toMatchObject({ latestMean7: 90, previousMean7: null, delta: null });

      const withOwnId = await api.request<Dashboard>('GET', `${url}&days=7`, {
        token: cast.studentA.accessToken,
      });
      expect(withOwnId.status).toBe(200);
      expect(withOwnId.body.practiceMinutesByDay).toHaveLength(7);
    });

    it("shows a linked student's dashboard to their teacher only", async () => {
      const linked = await api.request<Dashboard>('GET', url, { token: cast.teacherOfA.accessToken });
      expect(linked.status).toBe(200);
      expect(linked.body.studentId).toBe(cast.studentA.user.id);
      expect(linked.body.practiceMinutesByDay.at(-1)).toEqual({ day: today, minutes: 20, sessions: 1 });

      const unlinked = await api.request<ErrorResponse>('GET', url, {
        token: cast.unlinkedTeacher.accessToken,
      });
      expect(unlinked.status).toBe(404);
      expect(unlinked.body.error.code).toBe('NOT_FOUND');
      const otherStudent = await api.request<ErrorResponse>('GET', url, { token: cast.studentB.accessToken });
      expect(otherStudent.status).toBe(403);
      const admin = await api.request<ErrorResponse>('GET', url, { token: cast.admin.accessToken });
      expect(admin.status).toBe(403);
      expect((await api.request('GET', url)).status).toBe(401);
      const noStudent = await api.request<ErrorResponse>('GET', '/analytics/dash', {
        token: cast.teacherOfA.accessToken,
      });
      expect(noStudent.status).toBe(400);
      expect(noStudent.body.error.details?.map((detail) => detail.path)).toEqual(['querystring.studentId']);
    });

    it('validates the query in the shared error shape', async () => {
      for (const query of ['days=6', 'days=366', 'days=7.5', 'days=week', 'studentId=nope']) {
        const response = await api.request<ErrorResponse>('GET', `/analytics/dash?${query}`, {
          token: cast.studentA.accessToken,
        });
        expect(response.status, query).toBe(400);
        expect(response.body.error.code).toBe('VALIDATION_FAILED');
        expect(response.body.error.details?.[0]?.path).toMatch(/^querystring\.(days|studentId)$/);
      }
    });

    it('lets row-level security alone keep the rollups to the student and linked teachers', async () => {
      const db = api.backend.db;
      const studentId = cast.studentA.user.id;
      const visibleTo = (userId: string) =>
        db.asUser(userId, async (tx) => ({
          trend: (
            await tx
              .selectFrom('metric_trend_points')
              .select('session_id')
              .where('student_id', '=', studentId)
              .execute()
          ).length,
          focus: (
            await tx
              .selectFrom('practice_focus_daily_rollups')
              .select('day')
              .where('student_id', '=', studentId)
              .execute()
          ).length,
          streak: (
            await tx
              .selectFrom('practice_streaks')
              .select('latest_days')
              .where('student_id', '=', studentId)
              .execute()
          ).length,
        }));
      expect(await visibleTo(studentId)).toEqual({ trend: 2, focus: 2, streak: 1 });
      expect(await visibleTo(cast.teacherOfA.user.id)).toEqual({ trend: 2, focus: 2, streak: 1 });
      expect(await visibleTo(cast.studentB.user.id)).toEqual({ trend: 0, focus: 0, streak: 0 });
      expect(await visibleTo(cast.unlinkedTeacher.user.id)).toEqual({ trend: 0, focus: 0, streak: 0 });
      // Rollups are written by system work only, never by the student they describe.
      await expect(
        db.asUser(studentId, (tx) =>
          tx
            .updateTable('practice_streaks')
            .set({ longest_days: 365 })
            .where('student_id', '=', studentId)
            .executeTakeFirstOrThrow(),
        ),
      ).resolves.toMatchObject({ numUpdatedRows: 0n });
      await expect(
        db.asUser(studentId, (tx) =>
          tx
            .insertInto('practice_focus_daily_rollups')
            .values({
              student_id: studentId,
              day: today,
              focus: 'other',
              practice_seconds: 1,
              session_count: 1,
            })
            .execute(),
        ),
      ).rejects.toMatchObject({ code: '42501' });
    });
  });
});

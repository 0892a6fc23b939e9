import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ANALYSIS_VERSION } from '@rosin/analysis/analyze-recording';
import type { AuthResponse } from '@rosin/contracts/auth';
import type { CreateSessionResponse, PracticeSessionDetail } from '@rosin/contracts/sessions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../../test/api-harness';
import { backends } from '../../test/backends';
import { practiceSessionBody, videoDeclaration } from '../../test/fixtures';
import { generateTestClips, type TestClips } from '../../test/media-clips';
import { startBackgroundWork, type BackgroundWorkOptions } from '../background-work';
import { etagFromContentMd5 } from '../storage/object-storage';
import { MediaPipeline } from './pipeline';
import { findStaleAnalyses, queueReanalysis } from './reanalysis';

const silentLogger = { warn: () => {}, error: () => {} };

describe.each(backends)('media pipeline on $name', (backend) => {
  let api: ApiHarness;
  let student: AuthResponse;
  let clipsDir: string;
  let clips: TestClips;
  let pipeline: MediaPipeline;

  beforeAll(async () => {
    clipsDir = await mkdtemp(join(tmpdir(), 'rosin-clips-'));
    [api, clips] = await Promise.all([ApiHarness.start(backend), generateTestClips(clipsDir)]);
    student = await api.register('student');
    pipeline = new MediaPipeline(api.backend.db, api.backend.storage);
  }, 120_000);
  afterAll(async () => {
    await api.close();
    await rm(clipsDir, { recursive: true, force: true });
  });

  /** A session whose video is uploaded and completed, as the phone does it. */
  async function uploadedSession(path: string, extra: Record<string, unknown> = {}) {
    const bytes = await readFile(path);
    const created = await api.request<CreateSessionResponse>('POST', '/sessions', {
      token: student.accessToken,
      body: practiceSessionBody({ video: videoDeclaration(bytes), ...extra }),
    });
    const plan = created.body.upload!;
    await api.uploadParts(student.accessToken, plan, bytes);
    const completed = await api.request('POST', plan.completeUrl, {
      token: student.accessToken,
      body: {
        parts: plan.parts.map((part) => ({
          partNumber: part.partNumber,
          etag: etagFromContentMd5(part.headers['Content-MD5']!),
        })),
      },
    });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    const video = await api.backend.db.asSystem((tx) =>
      tx
        .selectFrom('videos')
        .select(['id', 's3_key'])
        .where('session_id', '=', created.body.session.id)
        .executeTakeFirstOrThrow(),
    );
    return { sessionId: created.body.session.id, videoId: video.id, objectKey: video.s3_key };
  }

  /** The background work (outbox dispatcher + queue workers) on this backend, as the worker process runs it. */
  const startWork = (overrides: Partial<BackgroundWorkOptions> = {}) =>
    startBackgroundWork({
      db: api.backend.db,
      storage: api.backend.storage,
      redis: api.backend.redis,
      queuePrefix: `${api.backend.keyPrefix}:bull`,
      logger: silentLogger,
      jobLeaseMs: 30_000,
      outboxPollMs: 100,
      ...overrides,
    });

  const detail = async (sessionId: string) =>
    (
      await api.request<PracticeSessionDetail>('GET', `/sessions/${sessionId}`, {
        token: student.accessToken,
      })
    ).body;

  const metricRows = (sessionId: string) =>
    api.backend.db.asSystem((tx) =>
      tx
        .selectFrom('metrics')
        .select(['metric_key', 'metric_val', 'unit'])
        .where('session_id', '=', sessionId)
        .execute(),
    );

  it('turns an upload into HLS playback, a poster, metrics and series; a second run changes nothing', async () => {
    const { sessionId, videoId } = await uploadedSession(clips.good);
    expect(await pipeline.process({ sessionId, videoId })).toBe('ready');

    const session = await detail(sessionId);
    expect(session.status).toBe('ready');
    expect(session.failureReason).toBeNull();
    expect(session.metrics?.tempoBpm).toBeGreaterThan(110);
    expect(session.metrics?.tempoBpm).toBeLessThan(130);
    expect(session.metrics?.dynamicRangeDb).toBeGreaterThan(0);
    expect(session.series?.loudnessDb.values.length).toBeGreaterThan(50);
    expect(session.video?.durationS).toBeCloseTo(6, 0);

    // The playlist URL answers the playlist with every segment presigned; segments and poster are readable.
    const playlist = await api.getUrl(session.video!.hlsUrl!);
    expect(playlist.status).toBe(200);
    const text = playlist.body.toString('utf8');
    expect(text).toContain('#EXTM3U');
    expect(text).toContain('#EXT-X-ENDLIST');
    const segmentUrls = text.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(segmentUrls.length).toBeGreaterThanOrEqual(1);
    const segment = await api.getUrl(segmentUrls[0]!);
    expect(segment.status).toBe(200);
    expect(segment.body.length).toBeGreaterThan(1000);
    expect(segment.body[0]).toBe(0x47); // MPEG-TS sync byte
    const poster = await api.getUrl(session.video!.thumbnailUrl!);
    expect(poster.status).toBe(200);
    expect(poster.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // JPEG

    // A tampered playlist token is refused.
    const tampered = session.video!.hlsUrl!.replace(
      /token=(.)/,
      (_, c: string) => `token=${c === 'A' ? 'B' : 'A'}`,
    );
    expect((await api.getUrl(tampered)).status).toBe(403);

    const first = await metricRows(sessionId);
    const firstVideo = await api.backend.db.asSystem((tx) =>
      tx
        .selectFrom('videos')
        .select(['hls_key', 'thumbnail_key'])
        .where('id', '=', videoId)
        .executeTakeFirstOrThrow(),
    );
    expect(await pipeline.process({ sessionId, videoId })).toBe('ready');
    expect(await metricRows(sessionId)).toEqual(expect.arrayContaining(first));
    expect(await metricRows(sessionId)).toHaveLength(first.length);
    const again = await api.backend.db.asSystem((tx) =>
      tx
        .selectFrom('videos')
        .select(['hls_key', 'thumbnail_key'])
        .where('id', '=', videoId)
        .executeTakeFirstOrThrow(),
    );
    expect(again).toEqual(firstVideo);
    expect(first.map((row) => row.metric_key).sort()).toEqual(
      expect.arrayContaining(['bowStability', 'dynamicRangeDb', 'tempoBpm', 'tempoVarianceMs']),
    );
  }, 120_000);

  it.each([
    ['text renamed .mp4', 'text', /not a video we can read/],
    ['video without sound', 'noAudio', /no sound/],
    ['silent video', 'silent', /silent/],
  ] as const)(
    'fails a %s with a reason for the student',
    async (_name, clip, reason) => {
      const { sessionId, videoId } = await uploadedSession(clips[clip]);
      expect(await pipeline.process({ sessionId, videoId })).toBe('failed');
      const session = await detail(sessionId);
      expect(session.status).toBe('failed');
      expect(session.failureReason).toMatch(reason);
      expect(session.metrics).toBeNull();
    },
    60_000,
  );

  it('ends a truncated mp4 in a final state, never stuck', async () => {
    const { sessionId, videoId } = await uploadedSession(clips.truncated);
    const outcome = await pipeline.process({ sessionId, videoId });
    const session = await detail(sessionId);
    expect(['ready', 'failed']).toContain(outcome);
    expect(session.status).toBe(outcome);
    if (outcome === 'failed') expect(session.failureReason).toMatch(/damaged|not a video|too short|shorter/);
  }, 60_000);

  it('runs the whole loop through the outbox and the queue: upload → processing → ready', async () => {
    const work = await startWork();
    try {
      const { sessionId } = await uploadedSession(clips.good);
      let session = await detail(sessionId);
      for (let waited = 0; session.status === 'processing' && waited < 90_000; waited += 250) {
        await sleep(250);
        session = await detail(sessionId);
      }
      expect(session.status).toBe('ready');
      expect(session.metrics?.tempoBpm).toBeGreaterThan(0);
      expect(session.video?.hlsUrl).toMatch(/playlist\.m3u8\?token=/);
      const events = await api.backend.db.asSystem((tx) =>
        tx
          .selectFrom('outbox_events')
          .select(['event_type', 'dispatched_at'])
          .where('aggregate_id', '=', sessionId)
          .execute(),
      );
      const pipelineEvents = events.filter((event) => event.event_type !== 'practice_session.changed');
      expect(pipelineEvents.map((event) => event.event_type).sort()).toEqual([
        'metrics_ready',
        'video.uploaded',
      ]);
      // The upload's event was delivered (its job ran); metrics_ready may still be on its way to the rollups.
      expect(
        pipelineEvents.find((event) => event.event_type === 'video.uploaded')?.dispatched_at,
      ).not.toBeNull();
    } finally {
      await work.stop();
    }
  }, 120_000);

  it('re-analyses sessions measured by an older analysis version: metrics replaced as one set, rendition kept', async () => {
    const { sessionId, videoId } = await uploadedSession(clips.good);
    expect(await pipeline.process({ sessionId, videoId })).toBe('ready');
    const before = await api.backend.db.asSystem((tx) =>
      tx
        .selectFrom('videos')
        .select(['hls_key', 'thumbnail_key'])
        .where('id', '=', videoId)
        .executeTakeFirstOrThrow(),
    );
    // As if measured by an older release, with a different tempo.
    await api.backend.db.asSystem(async (tx) => {
      await tx
        .updateTable('session_series')
        .set({ analysis_version: '0.9.0' })
        .where('session_id', '=', sessionId)
        .execute();
      await tx
        .updateTable('metrics')
        .set({ metric_val: 1 })
        .where('session_id', '=', sessionId)
        .where('metric_key', '=', 'tempoBpm')
        .execute();
    });
    const stale = (await findStaleAnalyses(api.backend.db, { limit: 1000 })).filter(
      (s) => s.sessionId === sessionId,
    );
    expect(stale).toEqual([{ sessionId, videoId, analysisVersion: '0.9.0' }]);

    const work = await startWork();
    try {
      // Twice, as when the command is run again before the first batch is done (the dedupe key names the
      // video and the version; the queues' own tests prove a key is queued once).
      await queueReanalysis(work.queue, stale);
      await queueReanalysis(work.queue, stale);
      const version = async () =>
        (
          await api.backend.db.asSystem((tx) =>
            tx
              .selectFrom('session_series')
              .select('analysis_version')
              .where('session_id', '=', sessionId)
              .executeTakeFirstOrThrow(),
          )
        ).analysis_version;
      for (let waited = 0; (await version()) !== ANALYSIS_VERSION && waited < 90_000; waited += 250) {
        await sleep(250);
      }
      expect(await version()).toBe(ANALYSIS_VERSION);
    } finally {
      await work.stop();
    }

    const session = await detail(sessionId);
    expect(session.status).toBe('ready');
    expect(session.metrics?.tempoBpm).toBeGreaterThan(110);
    const rows = await metricRows(sessionId);
    expect(rows.length).toBe(new Set(rows.map((row) => row.metric_key)).size); // one set, not two
    const after = await api.backend.db.asSystem((tx) =>
      tx
        .selectFrom('videos')
        .select(['hls_key', 'thumbnail_key'])
        .where('id', '=', videoId)
        .executeTakeFirstOrThrow(),
    );
    expect(after).toEqual(before); // the rendition was kept, not made again
    expect(
      (await findStaleAnalyses(api.backend.db, { limit: 1000 })).some((s) => s.sessionId === sessionId),
    ).toBe(false);
  }, 120_000);

  it('marks the session failed with a reason once a job runs out of attempts (dead letter)', async () => {
    // The worker's store fails every read (an outage): not the student's file, so the job is retried, then
    // reported. Only the worker sees the fault; the API uses the real store.
    const unavailable = new Proxy(api.backend.storage, {
      get: (target, property, receiver) =>
        property === 'downloadToFile'
          ? () => Promise.reject(new Error('the object store is unavailable'))
          : (Reflect.get(target, property, receiver) as unknown),
    });
    const work = await startWork({
      storage: unavailable,
      queuePrefix: `${api.backend.keyPrefix}:dead`,
      retry: { maxAttempts: 2, backoffBaseMs: 100, backoffMaxMs: 100 },
    });
    try {
      const { sessionId } = await uploadedSession(clips.good);
      let session = await detail(sessionId);
      for (let waited = 0; session.status === 'processing' && waited < 60_000; waited += 250) {
        await sleep(250);
        session = await detail(sessionId);
      }
      expect(session.status).toBe('failed');
      expect(session.failureReason).toMatch(/could not process this video after 2 attempts/);
    } finally {
      await work.stop();
    }
  }, 90_000);
});

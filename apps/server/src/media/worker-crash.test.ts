import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { AuthResponse } from '@rosin/contracts/auth';
import type { CreateSessionResponse, PracticeSessionDetail } from '@rosin/contracts/sessions';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../../test/api-harness';
import { backends } from '../../test/backends';
import { practiceSessionBody, videoDeclaration } from '../../test/fixtures';
import {
  completeUpload,
  createSessionWithVideo,
  digestFile,
  registerStudent,
  uploadPartsFromFile,
  waitForSessionStatus,
} from '../../test/http-upload';
import { generatePhraseClip } from '../../test/media-clips';
import {
  freePort,
  killAllStartedServers,
  processesInGroup,
  startServerScript,
  waitForListening,
  waitUntil,
  type ServerProcess,
} from '../../test/server-process';
import type { Secrets } from '../crypto/keys';
import { openEmbeddedDatabase, type Database } from '../db/database';
import { etagFromContentMd5, objectFolderOf } from '../storage/object-storage';
import { MEDIA_QUEUE } from './jobs';
import { HLS_PLAYLIST_NAME, THUMBNAIL_NAME } from './transcode';

/**
 * The crash proof: `kill -9` of the process running the media worker in the middle of a transcode (the server
 * and its ffmpeg children together, as an OOM kill or a lost machine would), then a restart. The job must
 * complete once: one set of metrics, one HLS rendition that plays, one `metrics_ready`, one video row.
 *
 * Embedded default: `npm start` (workers in-process, jobs in PGlite) killed and restarted on the same DATA_DIR.
 * PostgreSQL + Redis + S3 (when DATABASE_URL and REDIS_URL are set): the API in this process on a scratch
 * database and an s3rver, `npm run worker` (BullMQ) as a separate process, killed and replaced by a second one.
 *
 * JOB_LEASE_MS=2000 so the dead worker's job is taken over within seconds. No timing is asserted: the timeouts
 * are only there so a hang fails instead of blocking CI.
 */

/** 20 s of 1280×720: a transcode of several seconds on 2 vCPUs, long enough to be caught in the middle. */
const CLIP = { seconds: 20, width: 1280, height: 720 } as const;
const JOB_LEASE_MS = '2000';
const PROCESS_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 600_000;

let workRoot: string;
let clipPath: string;

beforeAll(async () => {
  workRoot = await mkdtemp(join(tmpdir(), 'rosin-worker-crash-'));
  clipPath = await generatePhraseClip(join(workRoot, 'practice.mp4'), CLIP);
}, 180_000);

afterAll(async () => {
  // Whatever happened above: no server, worker or ffmpeg of this file outlives it.
  await killAllStartedServers();
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
});

/**
 * Waits until the process group runs ffmpeg transcoding to HLS and its first segment is whole (the second has
 * been started), so the kill lands in the middle of the transcode rather than before or after it.
 */
async function waitForTranscodeUnderWay(groupId: number): Promise<{ ffmpegPid: number; workDir: string }> {
  let found: { ffmpegPid: number; workDir: string } | undefined;
  await waitUntil(
    async () => {
      const ffmpeg = (await processesInGroup(groupId)).find((process) =>
        process.args.includes('-hls_segment_filename'),
      );
      if (!ffmpeg) return false;
      const segmentPattern = ffmpeg.args[ffmpeg.args.indexOf('-hls_segment_filename') + 1] ?? '';
      const hlsDir = dirname(segmentPattern);
      if (!existsSync(join(hlsDir, 'segment-0001.ts'))) return false;
      found = { ffmpegPid: ffmpeg.pid, workDir: dirname(hlsDir) };
      return true;
    },
    PROCESS_TIMEOUT_MS,
    'ffmpeg to be transcoding to HLS',
  );
  return found!;
}

/** Kills the group with SIGKILL; asserts the transcode was still running at that moment and nothing survived. */
async function killMidTranscode(server: ServerProcess): Promise<{ workDir: string }> {
  const transcode = await waitForTranscodeUnderWay(server.pid);
  const alive = (await processesInGroup(server.pid)).some((process) => process.pid === transcode.ffmpegPid);
  await server.killGroup();
  expect(alive, 'ffmpeg was still transcoding when the kill landed').toBe(true);
  expect(await processesInGroup(server.pid)).toEqual([]);
  expect((await server.exited).signal).toBe('SIGKILL');
  return { workDir: transcode.workDir };
}

/** The segment file names a playlist lists, in order. */
function segmentsOf(playlist: string): string[] {
  return playlist
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The playlist URL of GET /sessions/{id} plays: the playlist, then every segment it lists (MPEG-TS). */
async function expectPlayable(
  session: PracticeSessionDetail,
  get: (url: string) => Promise<{ status: number; body: Buffer }>,
): Promise<number> {
  expect(session.video?.hlsUrl).toBeTruthy();
  const playlist = await get(session.video!.hlsUrl!);
  expect(playlist.status).toBe(200);
  const text = playlist.body.toString('utf8');
  expect(text).toContain('#EXTM3U');
  expect(text).toContain('#EXT-X-ENDLIST');
  const segmentUrls = segmentsOf(text);
  expect(segmentUrls.length).toBeGreaterThanOrEqual(Math.floor(CLIP.seconds / 6));
  for (const url of segmentUrls) {
    const segment = await get(url);
    expect(segment.status).toBe(200);
    expect(segment.body[0]).toBe(0x47); // MPEG-TS sync byte
  }
  const poster = await get(session.video!.thumbnailUrl!);
  expect(poster.status).toBe(200);
  expect(poster.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // JPEG
  return segmentUrls.length;
}

async function fetchUrl(url: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

/**
 * Runs a test body; if it fails, the warnings and errors the server or worker processes logged are appended to
 * the failure (e.g. BullMQ's "could not renew lock"), since they usually say why.
 */
async function explainingFailures(servers: ServerProcess[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const logs = servers.map((server) => `--- pid ${server.pid} ---\n${problemsLogged(server.output())}`);
    if (error instanceof Error) error.message += `\n\nWarnings and errors logged:\n${logs.join('\n')}`;
    throw error;
  }
}

/** The last warnings and errors of a pino log (level ≥ 40), one short line each, and any non-JSON output. */
function problemsLogged(output: string): string {
  const lines: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as {
        level?: number;
        time?: number;
        msg?: string;
        err?: { message?: string };
      };
      if ((entry.level ?? 0) < 40) continue;
      lines.push(`${new Date(entry.time ?? 0).toISOString()} ${entry.msg ?? ''} ${entry.err?.message ?? ''}`);
    } catch {
      lines.push(line);
    }
  }
  return lines.slice(-30).join('\n') || '(none)';
}

/** What the database holds for the session once it is ready: each must exist exactly once. */
async function sessionRows(db: Database, sessionId: string) {
  return db.asSystem(async (tx) => ({
    metrics: await tx
      .selectFrom('metrics')
      .select(['metric_key', 'metric_val'])
      .where('session_id', '=', sessionId)
      .execute(),
    videos: await tx
      .selectFrom('videos')
      .select(['id', 's3_key', 'hls_key', 'thumbnail_key', 'processed'])
      .where('session_id', '=', sessionId)
      .execute(),
    metricsReadyEvents: await tx
      .selectFrom('outbox_events')
      .select('id')
      .where('aggregate_id', '=', sessionId)
      .where('event_type', '=', 'metrics_ready')
      .execute(),
  }));
}

/** Exactly one set: one row per metric key, the same values the API shows. */
function expectOneSetOfMetrics(
  rows: Awaited<ReturnType<typeof sessionRows>>,
  shown: PracticeSessionDetail['metrics'],
): void {
  const keys = rows.metrics.map((row) => row.metric_key);
  expect(keys.length).toBeGreaterThanOrEqual(4);
  expect(new Set(keys).size).toBe(keys.length);
  const shownKeys = Object.entries(shown ?? {})
    .filter(([, value]) => value !== null)
    .map(([key]) => key);
  expect(keys.sort()).toEqual(shownKeys.sort());
  expect(rows.metricsReadyEvents).toHaveLength(1);
  expect(rows.videos).toHaveLength(1);
  expect(rows.videos[0]!.processed).toBe(true);
}

describe('kill -9 of the worker mid-transcode, on the embedded default (npm start)', () => {
  it(
    'restarts on the same DATA_DIR and completes the job once: one set of metrics, one HLS rendition',
    () => {
      const servers: ServerProcess[] = [];
      return explainingFailures(servers, async () => {
        const dataDir = join(workRoot, 'embedded-data');
        // The server's temp files (the pipeline's work dirs) stay inside this test's directory.
        const serverTmp = join(workRoot, 'embedded-tmp');
        await mkdir(serverTmp, { recursive: true });
        const start = async () => {
          const port = await freePort();
          const server = startServerScript('src/main.ts', {
            DATA_DIR: dataDir,
            PORT: String(port),
            JOB_LEASE_MS,
            LOG_LEVEL: 'info',
            SEED_DEMO_DATA: 'false',
            TMPDIR: serverTmp,
          });
          servers.push(server);
          return { server, baseUrl: await waitForListening(server, PROCESS_TIMEOUT_MS) };
        };

        const first = await start();
        const student: AuthResponse = await registerStudent(first.baseUrl);
        const token = student.accessToken;
        const digests = await digestFile(clipPath);
        const { sessionId, plan } = await createSessionWithVideo(first.baseUrl, token, digests);
        expect(plan.partCount).toBeGreaterThan(1);
        await uploadPartsFromFile(first.baseUrl, token, plan, clipPath, 2);
        await completeUpload(first.baseUrl, token, plan);

        const crashed = await killMidTranscode(first.server);
        // The kill left the embedded lock behind; the restart must take it over as stale.
        expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);

        const second = await start();
        const session = await waitForSessionStatus(
          second.baseUrl,
          token,
          sessionId,
          ['ready', 'failed'],
          PROCESS_TIMEOUT_MS,
        );
        expect(session.failureReason).toBeNull();
        expect(session.status).toBe('ready');
        const segmentCount = await expectPlayable(session, fetchUrl);
        expect(await second.server.stop()).toEqual({ code: 0, signal: null });
        expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);

        // The server is gone, so this process may open its database.
        const db = await openEmbeddedDatabase({ dataDir });
        try {
          const rows = await sessionRows(db, sessionId);
          expectOneSetOfMetrics(rows, session.metrics);
          const video = rows.videos[0]!;
          const folder = objectFolderOf(video.s3_key);
          expect(video.hls_key).toBe(`${folder}hls/${HLS_PLAYLIST_NAME}`);
          expect(video.thumbnail_key).toBe(`${folder}${THUMBNAIL_NAME}`);

          // One process-video job for the video: the killed attempt and the one that finished, then completed.
          const jobs = await db.asSystem((tx) =>
            tx
              .selectFrom('jobs')
              .select(['name', 'status', 'attempts', 'last_error'])
              .where('name', '=', 'process-video')
              .where(sql<string>`payload->>'videoId'`, '=', video.id)
              .execute(),
          );
          expect(jobs).toEqual([
            { name: 'process-video', status: 'completed', attempts: 2, last_error: null },
          ]);

          // One rendition on disk: the playlist, exactly the segments it lists, each with its metadata; no temp
          // files; the upload's staging directory is gone.
          const videoDir = join(dataDir, 'objects', ...folder.split('/').filter(Boolean));
          expect(await readdir(join(dataDir, 'objects', 'videos'))).toEqual([folder.split('/')[1]]);
          const playlist = await readFile(join(videoDir, 'hls', HLS_PLAYLIST_NAME), 'utf8');
          const segments = segmentsOf(playlist);
          expect(segments).toHaveLength(segmentCount);
          const expectedHls = [HLS_PLAYLIST_NAME, ...segments].flatMap((name) => [name, `${name}.meta.json`]);
          expect((await readdir(join(videoDir, 'hls'))).sort()).toEqual(expectedHls.sort());
          const upload = video.s3_key.slice(folder.length);
          expect((await readdir(videoDir)).sort()).toEqual(
            [upload, `${upload}.meta.json`, THUMBNAIL_NAME, `${THUMBNAIL_NAME}.meta.json`, 'hls'].sort(),
          );
          expect(await readdir(join(dataDir, 'multipart')).catch(() => [])).toEqual([]);
        } finally {
          await db.close();
        }
        // The killed run's work dir is in serverTmp (removed with it). Reported, not asserted: nothing sweeps it.
        if (existsSync(crashed.workDir)) {
          console.warn(`the killed worker left its work dir behind: ${crashed.workDir}`);
        }
      });
    },
    TEST_TIMEOUT_MS,
  );
});

const postgres = backends.find((backend) => backend.name === 'postgres');
const redisUrl = process.env.REDIS_URL;

describe.runIf(Boolean(postgres && redisUrl))(
  'kill -9 of npm run worker mid-transcode, on PostgreSQL + Redis (BullMQ) + S3 (s3rver)',
  () => {
    let api: ApiHarness;
    let queuePrefix: string;

    beforeAll(async () => {
      api = await ApiHarness.start(postgres!);
      queuePrefix = `${api.backend.keyPrefix}-bull`;
    }, 120_000);

    afterAll(async () => {
      await killAllStartedServers();
      if (!api) return;
      const keys = await api.backend.redis!.keys(`${queuePrefix}:*`);
      if (keys.length > 0) await api.backend.redis!.del(...keys);
      await api.close();
    });

    /** `npm run worker` on this test's database, Redis namespace and s3rver, with the harness's secrets. */
    async function startWorker(serverTmp: string, servers: ServerProcess[]): Promise<ServerProcess> {
      const s3 = api.backend.s3!;
      const worker = startServerScript('src/worker.ts', {
        DATABASE_URL: api.backend.connectionString!,
        REDIS_URL: redisUrl!,
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: s3.region,
        S3_BUCKET: s3.bucket,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        ...secretVariables(api.secrets),
        QUEUE_PREFIX: queuePrefix,
        JOB_LEASE_MS,
        LOG_LEVEL: 'info',
        DATA_DIR: join(serverTmp, 'data'),
        TMPDIR: serverTmp,
      });
      servers.push(worker);
      await worker.waitForOutput(/worker running/, PROCESS_TIMEOUT_MS);
      return worker;
    }

    it(
      'a second worker takes the job over and completes it once: one set of metrics, one rendition in S3',
      () => {
        const servers: ServerProcess[] = [];
        return explainingFailures(servers, async () => {
          const serverTmp = join(workRoot, 'postgres-tmp');
          await mkdir(serverTmp, { recursive: true });
          const student = await api.register('student');
          const token = student.accessToken;

          const firstWorker = await startWorker(serverTmp, servers);
          const bytes = await readFile(clipPath);
          const created = await api.request<CreateSessionResponse>('POST', '/sessions', {
            token,
            body: practiceSessionBody({ video: videoDeclaration(bytes) }),
          });
          expect(created.status, JSON.stringify(created.body)).toBe(201);
          const sessionId = created.body.session.id;
          const plan = created.body.upload!;
          await api.uploadParts(token, plan, bytes);
          const completed = await api.request('POST', plan.completeUrl, {
            token,
            body: {
              parts: plan.parts.map((part) => ({
                partNumber: part.partNumber,
                etag: etagFromContentMd5(part.headers['Content-MD5']!),
              })),
            },
          });
          expect(completed.status, JSON.stringify(completed.body)).toBe(200);

          await killMidTranscode(firstWorker);
          const secondWorker = await startWorker(serverTmp, servers);

          const detail = async () =>
            (await api.request<PracticeSessionDetail>('GET', `/sessions/${sessionId}`, { token })).body;
          let session = await detail();
          await waitUntil(
            async () => {
              session = await detail();
              return session.status === 'ready' || session.status === 'failed';
            },
            PROCESS_TIMEOUT_MS,
            `session ${sessionId} to be processed`,
          );
          expect(session.failureReason).toBeNull();
          expect(session.status).toBe('ready');
          const segmentCount = await expectPlayable(session, (url) => api.getUrl(url));
          const rows = await sessionRows(api.backend.db, sessionId);
          const video = rows.videos[0]!;
          // `ready` is committed just before the job is recorded as finished: wait for that before stopping.
          await waitUntil(
            async () => (await bullJobsOf(video.id)).every((job) => job.state !== 'active'),
            PROCESS_TIMEOUT_MS,
            'the BullMQ job to finish',
          );
          expect(await secondWorker.stop()).toEqual({ code: 0, signal: null });

          expectOneSetOfMetrics(await sessionRows(api.backend.db, sessionId), session.metrics);
          const folder = objectFolderOf(video.s3_key);
          expect(video.hls_key).toBe(`${folder}hls/${HLS_PLAYLIST_NAME}`);

          // One rendition in the bucket: the upload, the poster, the playlist and exactly the segments it lists.
          const storage = api.backend.storage;
          const playlist = (await storage.readSmallObject(video.hls_key!, 1024 * 1024)).toString('utf8');
          const segments = segmentsOf(playlist);
          expect(segments).toHaveLength(segmentCount);
          for (const segment of segments) {
            expect(await storage.headObject(`${folder}hls/${segment}`)).toBeDefined();
          }
          expect((await listKeys(folder)).sort()).toEqual(
            [
              video.s3_key,
              `${folder}${THUMBNAIL_NAME}`,
              `${folder}hls/${HLS_PLAYLIST_NAME}`,
              ...segments.map((segment) => `${folder}hls/${segment}`),
            ].sort(),
          );

          // One BullMQ job for the video, recovered once from the dead worker, completed by the second one.
          const jobs = await bullJobsOf(video.id);
          expect(jobs).toHaveLength(1);
          expect(jobs[0]).toEqual({
            state: 'completed',
            failedReason: null,
            stalledCounter: 1,
            attemptsStarted: 2,
          });
        });
      },
      TEST_TIMEOUT_MS,
    );

    /** The BullMQ jobs (any state) of a video in this test's queue namespace. */
    async function bullJobsOf(videoId: string) {
      const inspector = new Redis(redisUrl!, { maxRetriesPerRequest: null });
      const queue = new Queue(MEDIA_QUEUE, { connection: inspector, prefix: queuePrefix });
      try {
        const jobs = await queue.getJobs(['completed', 'failed', 'active', 'wait', 'delayed', 'prioritized']);
        return Promise.all(
          jobs
            .filter((job) => (job.data as { videoId?: string }).videoId === videoId)
            .map(async (job) => ({
              state: await job.getState(),
              failedReason: job.failedReason ?? null,
              stalledCounter: job.stalledCounter,
              attemptsStarted: job.attemptsStarted,
            })),
        );
      } finally {
        await queue.close();
        await inspector.quit();
      }
    }

    /** Every key under `prefix` in the s3rver bucket (the storage interface has no listing: not every store does). */
    async function listKeys(prefix: string): Promise<string[]> {
      const s3 = api.backend.s3!;
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      try {
        const keys: string[] = [];
        let continuationToken: string | undefined;
        do {
          const page = await client.send(
            new ListObjectsV2Command({
              Bucket: s3.bucket,
              Prefix: prefix,
              ContinuationToken: continuationToken,
            }),
          );
          keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
          continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (continuationToken);
        return keys;
      } finally {
        client.destroy();
      }
    }
  },
);

/** The harness's secrets as the environment carries them (config.ts requires them with DATABASE_URL). */
function secretVariables(secrets: Secrets): Record<string, string> {
  return {
    JWT_SECRET: Buffer.from(secrets.jwtSecret).toString('utf8'),
    PII_ENCRYPTION_KEYS: [...secrets.piiKeys]
      .sort(([a], [b]) => (a === secrets.activePiiKeyId ? -1 : b === secrets.activePiiKeyId ? 1 : 0))
      .map(([keyId, key]) => `${keyId}:${key.toString('base64')}`)
      .join(','),
    BLIND_INDEX_KEY: secrets.blindIndexKey.toString('base64'),
  };
}

import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingAnalysis } from '@rosin/analysis/analyze-recording';
import type { GyroscopeSample } from '@rosin/analysis/bow-stability';
import { AnalysisInputError } from '@rosin/analysis/errors';
import { parseSensorFile } from '@rosin/analysis/sensors';
import { CORE_METRIC_KEYS, METRIC_UNITS } from '@rosin/contracts/analytics';
import { MAX_SENSOR_FILE_BYTES } from '@rosin/contracts/sessions';
import type { Database } from '../db/database';
import { appendEvent } from '../events/outbox';
import { practiceSessionRepository } from '../practice/repository';
import { objectFolderOf, type ObjectStorage } from '../storage/object-storage';
import { MediaRejectedError, probeVideo } from './probe';
import { mediaRepository as media, type MetricValue } from './repository';
import { analyzeInThread } from './analyze-in-thread';
import { ANALYSIS_SAMPLE_RATE, transcodeAndDecode, type HlsRendition } from './transcode';

export interface ProcessVideoRequest {
  sessionId: string;
  videoId: string;
}

export type ProcessVideoOutcome = 'ready' | 'failed' | 'skipped';

/**
 * Turns an uploaded video into an HLS rendition, a poster and metrics. Safe to run any number of times for the
 * same video, concurrently or after a crash at any point:
 * - outputs go to fixed keys beside the upload (`…/hls/segment-0000.ts`, `…/hls/index.m3u8`,
 *   `…/thumbnail.jpg`); the playlist is written last and the video row points at it only afterwards, so a
 *   rendition is visible only when whole, and a re-run overwrites the same objects (one rendition, never two);
 * - a video that already has its rendition is not transcoded again (re-runs re-analyse, e.g. with late sensors);
 * - the upload is decoded once for everything (see transcodeAndDecode), the DSP runs in a worker thread;
 * - the metrics are replaced as one set in one transaction, together with the series, the session's status
 *   and the `metrics_ready` event.
 * A file that is not usable media fails the session with a reason for the student; anything else throws, and
 * the queue retries.
 */
export class MediaPipeline {
  constructor(
    private readonly db: Database,
    private readonly storage: ObjectStorage,
  ) {}

  async process(request: ProcessVideoRequest, signal?: AbortSignal): Promise<ProcessVideoOutcome> {
    const video = await this.db.asSystem((tx) => media.findVideoForProcessing(tx, request.videoId));
    if (!video) return 'skipped'; // deleted meanwhile: nothing to show anyone

    const workDir = await newWorkDir();
    try {
      const source = join(workDir, 'source');
      await this.storage.downloadToFile(video.s3_key, source);
      const gyroscope = video.sensors_key ? await this.readGyroscope(video.sensors_key) : undefined;

      const probed = await probeVideo(source, signal);
      // One decode: the rendition (unless it exists), the analysis' PCM and, without a gyroscope, motion frames.
      const decoded = await transcodeAndDecode({
        source,
        durationS: probed.durationS,
        hlsOutDir: video.hls_key ? undefined : join(workDir, 'hls'),
        motionSourceFps: gyroscope ? undefined : probed.fps,
        signal,
      });
      // The DSP runs in a thread while this one uploads the rendition.
      const analysis = analyzeInThread(
        {
          samples: decoded.samples,
          sampleRate: ANALYSIS_SAMPLE_RATE,
          gyroscope,
          ...(gyroscope ? {} : { videoStability: decoded.videoStability ?? null }),
        },
        signal,
      ).catch((error: unknown) => {
        throw toMediaError(error);
      });
      analysis.catch(() => {}); // awaited below; never an unhandled rejection meanwhile

      if (decoded.rendition)
        await this.storeRendition(video, decoded.rendition, workDir, probed.durationS, signal);
      const result = await analysis;
      // Lost the job (killed lease, shutdown): the worker that has it now writes the results.
      signal?.throwIfAborted();
      await this.storeAnalysis(video, result, probed.durationS);
      return 'ready';
    } catch (error) {
      if (error instanceof MediaRejectedError) {
        await this.fail(request.sessionId, error.message);
        return 'failed';
      }
      throw error;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** Segments and poster first, the playlist last; the video row points at it only once all are stored. */
  private async storeRendition(
    video: { id: string; s3_key: string },
    rendition: HlsRendition,
    workDir: string,
    durationS: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const folder = objectFolderOf(video.s3_key);
    const keyOf = (file: string) =>
      file === rendition.thumbnail ? `${folder}${file}` : `${folder}hls/${file}`;
    for (const file of rendition.files) {
      signal?.throwIfAborted();
      await this.storage.putObject(
        keyOf(file),
        createReadStream(join(workDir, 'hls', file)),
        contentTypeOf(file),
      );
    }
    signal?.throwIfAborted();
    await this.db.asSystem((tx) =>
      media.setRendition(tx, video.id, {
        hlsKey: keyOf(rendition.playlist),
        thumbnailKey: keyOf(rendition.thumbnail),
        durationS,
      }),
    );
  }

  private async readGyroscope(sensorsKey: string): Promise<GyroscopeSample[]> {
    const text = (await this.storage.readSmallObject(sensorsKey, MAX_SENSOR_FILE_BYTES)).toString('utf8');
    try {
      return parseSensorFile(text);
    } catch {
      throw new MediaRejectedError('The motion sensor file of this session is damaged; record again.');
    }
  }

  /** The session shows the reason; the upload and anything already produced stay (nothing else is touched). */
  async fail(sessionId: string, reason: string): Promise<void> {
    await this.db.asSystem((tx) => practiceSessionRepository.setStatus(tx, sessionId, 'failed', reason));
  }

  private async storeAnalysis(
    video: { id: string; session_id: string; student_id: string; start_ts: Date },
    analysis: RecordingAnalysis,
    durationS: number,
  ): Promise<void> {
    const metrics: MetricValue[] = [];
    // The stored metrics are the engine's fields of the same names, in the contract's units.
    for (const key of CORE_METRIC_KEYS) {
      const value = analysis[key];
      if (typeof value === 'number' && Number.isFinite(value))
        metrics.push({ key, value, unit: METRIC_UNITS[key] });
    }
    const session = { id: video.session_id, studentId: video.student_id, ts: video.start_ts };
    await this.db.asSystem(async (tx) => {
      await media.replaceMetrics(tx, session, metrics);
      await media.upsertSeries(tx, session, analysis.series, analysis.analysisVersion);
      await media.markProcessed(tx, video.id, durationS);
      await practiceSessionRepository.setStatus(tx, video.session_id, 'ready', null);
      await appendEvent(tx, {
        type: 'metrics_ready',
        aggregateId: video.session_id,
        payload: {
          sessionId: video.session_id,
          studentId: video.student_id,
          analysisVersion: analysis.analysisVersion,
        },
      });
    });
  }
}

/** The analysis engine's input errors are the student's file; a missing ffmpeg is ours (retry, alert). */
function toMediaError(error: unknown): unknown {
  if (!(error instanceof AnalysisInputError) || /not found on PATH/.test(error.message)) return error;
  if (/silent/.test(error.message)) {
    return new MediaRejectedError(
      'This recording is silent, so there is nothing to measure. Check the microphone.',
    );
  }
  return new MediaRejectedError('This video is damaged or its sound cannot be read. Record it again.');
}

function contentTypeOf(file: string): string {
  if (file.endsWith('.m3u8')) return 'application/vnd.apple.mpegurl';
  if (file.endsWith('.ts')) return 'video/mp2t';
  if (file.endsWith('.jpg')) return 'image/jpeg';
  return 'application/octet-stream';
}

/** Work folders live under one root, named by the worker's pid, so a crashed worker's leftovers can be found. */
const WORK_ROOT = join(tmpdir(), 'rosin-media');

async function newWorkDir(): Promise<string> {
  await mkdir(WORK_ROOT, { recursive: true });
  return mkdtemp(join(WORK_ROOT, `${process.pid}-`));
}

/**
 * Removes the work folders of workers that no longer run (killed mid-transcode: a copy of the upload and a
 * partial rendition, up to gigabytes). Called when the background work starts.
 */
export async function sweepAbandonedWorkDirs(): Promise<void> {
  const names = await readdir(WORK_ROOT).catch(() => []);
  for (const name of names) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) {
      await rm(join(WORK_ROOT, name), { recursive: true, force: true });
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

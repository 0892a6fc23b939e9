import { ANALYSIS_VERSION } from '@rosin/analysis/analyze-recording';
import type { Database } from '../db/database';
import { enqueueJob, type JobQueue } from '../queue/job-queue';
import { processVideoJob } from './jobs';

export interface StaleAnalysis {
  sessionId: string;
  videoId: string;
  analysisVersion: string;
}

/**
 * Ready sessions whose metrics were computed by another analysis version than this build's. After a release
 * that changes the metrics (`ANALYSIS_VERSION`), `npm run reanalyze` queues them again. Oldest sessions first,
 * so a run with a limit makes steady progress.
 */
export function findStaleAnalyses(
  db: Database,
  options: { version?: string; limit: number },
): Promise<StaleAnalysis[]> {
  return db.asSystem((tx) =>
    tx
      .selectFrom('session_series')
      .innerJoin('practice_sessions', 'practice_sessions.id', 'session_series.session_id')
      .innerJoin('videos', 'videos.session_id', 'session_series.session_id')
      .select([
        'session_series.session_id as sessionId',
        'videos.id as videoId',
        'session_series.analysis_version as analysisVersion',
      ])
      .where('session_series.analysis_version', '<>', options.version ?? ANALYSIS_VERSION)
      .where('practice_sessions.status', '=', 'ready')
      .where('practice_sessions.deleted_at', 'is', null)
      .where('videos.deleted_at', 'is', null)
      .orderBy('practice_sessions.start_ts')
      .orderBy('session_series.session_id')
      .limit(options.limit)
      .execute(),
  );
}

/**
 * Queues the media job for each stale session: the pipeline keeps the existing rendition (no transcode) and
 * replaces the metrics and series as one set. The dedupe key names the target version, so running the command
 * twice (or on two machines) queues each video once per version.
 */
export async function queueReanalysis(
  queue: JobQueue,
  stale: readonly StaleAnalysis[],
  version = ANALYSIS_VERSION,
): Promise<void> {
  for (const { sessionId, videoId } of stale) {
    await enqueueJob(
      queue,
      processVideoJob,
      { sessionId, videoId },
      { dedupeKey: `reanalyze:${videoId}:${version}` },
    );
  }
}

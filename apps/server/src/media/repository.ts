import type { Tx } from '../db/database';

export interface MetricValue {
  key: string;
  value: number;
  unit: string;
}

/** Data access of the media pipeline (system work: the worker acts for no user). */
export const mediaRepository = {
  /** The video with what processing needs of its session; undefined if either is gone. */
  findVideoForProcessing(tx: Tx, videoId: string) {
    return tx
      .selectFrom('videos')
      .innerJoin('practice_sessions', 'practice_sessions.id', 'videos.session_id')
      .select([
        'videos.id',
        'videos.session_id',
        'videos.student_id',
        'videos.s3_key',
        'videos.hls_key',
        'videos.thumbnail_key',
        'practice_sessions.sensors_key',
        'practice_sessions.start_ts',
      ])
      .where('videos.id', '=', videoId)
      .where('videos.deleted_at', 'is', null)
      .where('practice_sessions.deleted_at', 'is', null)
      .executeTakeFirst();
  },

  async setRendition(
    tx: Tx,
    videoId: string,
    rendition: { hlsKey: string; thumbnailKey: string; durationS: number },
  ): Promise<void> {
    await tx
      .updateTable('videos')
      .set({
        hls_key: rendition.hlsKey,
        thumbnail_key: rendition.thumbnailKey,
        duration_s: rendition.durationS,
      })
      .where('id', '=', videoId)
      .execute();
  },

  async markProcessed(tx: Tx, videoId: string, durationS: number): Promise<void> {
    await tx
      .updateTable('videos')
      .set({ processed: true, duration_s: durationS })
      .where('id', '=', videoId)
      .execute();
  },

  /** Replaces the session's metrics as one set: a re-run never leaves a mix of old and new values. */
  async replaceMetrics(
    tx: Tx,
    session: { id: string; studentId: string; ts: Date },
    metrics: MetricValue[],
  ): Promise<void> {
    await tx.deleteFrom('metrics').where('session_id', '=', session.id).execute();
    if (metrics.length === 0) return;
    await tx
      .insertInto('metrics')
      .values(
        metrics.map((metric) => ({
          session_id: session.id,
          student_id: session.studentId,
          metric_key: metric.key,
          metric_val: metric.value,
          unit: metric.unit,
          ts: session.ts,
        })),
      )
      .execute();
  },

  async upsertSeries(
    tx: Tx,
    session: { id: string; studentId: string },
    series: unknown,
    analysisVersion: string,
  ): Promise<void> {
    await tx
      .insertInto('session_series')
      .values({
        session_id: session.id,
        student_id: session.studentId,
        series: JSON.stringify(series),
        analysis_version: analysisVersion,
      })
      .onConflict((c) =>
        c.column('session_id').doUpdateSet({
          series: (eb) => eb.ref('excluded.series'),
          analysis_version: (eb) => eb.ref('excluded.analysis_version'),
        }),
      )
      .execute();
  },
};

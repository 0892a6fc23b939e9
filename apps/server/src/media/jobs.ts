import { z } from 'zod';
import { subscribe, type OutboxSubscriber } from '../events/outbox-dispatcher';
import { defineJob, type Job, type JobRegistry } from '../queue/job-queue';
import type { MediaPipeline } from './pipeline';

export const MEDIA_QUEUE = 'media';

/** Transcode + analyse one uploaded video. Idempotent (see MediaPipeline). */
export const processVideoJob = defineJob({
  queue: MEDIA_QUEUE,
  name: 'process-video',
  payload: z.object({ sessionId: z.uuid(), videoId: z.uuid() }),
});

export const mediaSubscribers: OutboxSubscriber[] = [
  subscribe('media.process-video', 'video.uploaded', async (event, context) => {
    await context.enqueue(processVideoJob, {
      sessionId: event.payload.sessionId,
      videoId: event.payload.videoId,
    });
  }),
];

export function registerMediaJobs(registry: JobRegistry, pipeline: MediaPipeline): void {
  registry.on(processVideoJob, async (job) => {
    await pipeline.process(job.payload, job.signal);
  });
}

/**
 * A video job out of attempts: the session says so instead of waiting forever. The reason is for the student;
 * the error itself (internals) goes to the queue's log, not into the reason.
 */
export function onMediaJobDead(pipeline: MediaPipeline) {
  return async (job: Job): Promise<void> => {
    const payload = processVideoJob.schema.safeParse(job.payload);
    if (!payload.success) return;
    await pipeline.fail(
      payload.data.sessionId,
      `We could not process this video after ${job.attempt} attempts. Upload it again in a new session, or ` +
        'try later.',
    );
  };
}

import type { Redis } from 'ioredis';
import { analyticsSubscribers, registerAnalyticsJobs } from './analytics/jobs';
import type { Database } from './db/database';
import { OutboxDispatcher, type OutboxSubscriber } from './events/outbox-dispatcher';
import { mediaSubscribers, MEDIA_QUEUE, onMediaJobDead, registerMediaJobs } from './media/jobs';
import { MediaPipeline, sweepAbandonedWorkDirs } from './media/pipeline';
import { createJobQueue } from './queue/create-job-queue';
import { JobRegistry, type JobQueue, type QueueLogger, type RetryPolicy } from './queue/job-queue';
import type { ObjectStorage } from './storage/object-storage';

export interface BackgroundWorkOptions {
  db: Database;
  storage: ObjectStorage;
  /** Given: BullMQ on Redis. Absent: the database queue. */
  redis?: Redis;
  logger: QueueLogger;
  /** A job whose worker died is taken over after this long (lease / lock duration). */
  jobLeaseMs: number;
  /** How often the outbox is polled for events. Default 1 s. */
  outboxPollMs?: number;
  /** Namespace of the BullMQ keys (tests use a unique one). */
  queuePrefix?: string;
  /** Transcodes at a time in this process. Default 1: ffmpeg already uses every core. */
  mediaConcurrency?: number;
  /** Attempts and backoff of every job (default: 5 attempts, 1 s doubling). */
  retry?: Partial<RetryPolicy>;
}

export interface BackgroundWork {
  queue: JobQueue;
  dispatcher: OutboxDispatcher;
  stop(): Promise<void>;
}

/**
 * Everything that runs off the request path: the outbox dispatcher (events → jobs) and the workers of every
 * queue. `npm start` runs it inside the API process on the embedded default; in production `npm run worker`
 * runs it as its own process (as many as needed: the queue and `skip locked` share the work).
 */
export async function startBackgroundWork(options: BackgroundWorkOptions): Promise<BackgroundWork> {
  const queue = createJobQueue({
    db: options.db,
    redis: options.redis,
    logger: options.logger,
    retry: options.retry,
    database: { leaseMs: options.jobLeaseMs },
    bullmq: {
      prefix: options.queuePrefix,
      lockDurationMs: options.jobLeaseMs,
      stalledIntervalMs: Math.max(1000, Math.floor(options.jobLeaseMs / 2)),
    },
  });
  await sweepAbandonedWorkDirs();
  const pipeline = new MediaPipeline(options.db, options.storage);
  const registry = new JobRegistry();
  registerMediaJobs(registry, pipeline);
  registerAnalyticsJobs(registry, { db: options.db });
  const subscribers: OutboxSubscriber[] = [...mediaSubscribers, ...analyticsSubscribers];

  const dispatcher = new OutboxDispatcher(options.db, queue, subscribers, {
    logger: options.logger,
    pollIntervalMs: options.outboxPollMs ?? 1000,
  });
  for (const name of registry.queues()) {
    const isMedia = name === MEDIA_QUEUE;
    await queue.work(name, registry.handlers(name), {
      concurrency: isMedia ? (options.mediaConcurrency ?? 1) : 4,
      onDead: isMedia ? onMediaJobDead(pipeline) : undefined,
    });
  }
  dispatcher.start();
  return {
    queue,
    dispatcher,
    async stop() {
      await dispatcher.stop();
      await queue.close();
    },
  };
}

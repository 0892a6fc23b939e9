import type { Redis } from 'ioredis';
import type { Database } from '../db/database';
import { BullmqJobQueue, type BullmqJobQueueOptions } from './bullmq-job-queue';
import { DatabaseJobQueue, type DatabaseJobQueueOptions } from './database-job-queue';
import type { JobQueue, QueueLogger, RetryPolicy } from './job-queue';

export interface JobQueueConfig {
  db: Database;
  /** Given (REDIS_URL set): BullMQ on Redis. Absent: jobs in the database. */
  redis?: Redis;
  retry?: Partial<RetryPolicy>;
  shutdownGraceMs?: number;
  logger?: QueueLogger;
  /** Tuning of the database driver. */
  database?: Omit<DatabaseJobQueueOptions, 'retry' | 'logger' | 'shutdownGraceMs'>;
  /** Tuning of the BullMQ driver (key prefix, locks, retention). */
  bullmq?: Omit<BullmqJobQueueOptions, 'connection' | 'retry' | 'logger' | 'shutdownGraceMs'>;
}

export function createJobQueue(config: JobQueueConfig): JobQueue {
  const common = { retry: config.retry, logger: config.logger, shutdownGraceMs: config.shutdownGraceMs };
  if (config.redis) return new BullmqJobQueue({ ...config.bullmq, ...common, connection: config.redis });
  return new DatabaseJobQueue(config.db, { ...config.database, ...common });
}

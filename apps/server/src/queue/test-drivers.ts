import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { backends, type Backend } from '../../test/backends';
import { openPostgresDatabase, type Database } from '../db/database';
import { BullmqJobQueue, type BullmqJobQueueOptions } from './bullmq-job-queue';
import { DatabaseJobQueue, type DatabaseJobQueueOptions } from './database-job-queue';
import type { JobQueue, QueueLogger } from './job-queue';

/**
 * Test support (used by the queue and outbox tests only): every queue driver on every backend available. The
 * database driver runs on each backend of test/backends.ts; BullMQ runs when REDIS_URL is set (with PostgreSQL when
 * DATABASE_URL is set too, else with the embedded database). Intervals are short so the suites stay quick.
 */
export interface QueueDriverCase {
  label: string;
  backend: Backend;
  driver: 'database' | 'bullmq';
}

const redisUrl = process.env.REDIS_URL;
const postgres = backends.find((backend) => backend.name === 'postgres');

export const queueDriverCases: QueueDriverCase[] = [
  ...backends.map((backend) => ({
    label: `database driver on ${backend.name}`,
    backend,
    driver: 'database' as const,
  })),
  ...(redisUrl
    ? [
        {
          label: `bullmq driver (${postgres ? 'postgres' : 'embedded'})`,
          backend: postgres ?? backends[0]!,
          driver: 'bullmq' as const,
        },
      ]
    : []),
];

export const testRetry = { maxAttempts: 4, backoffBaseMs: 40, backoffMaxMs: 2_000 };

/** Keeps expected failures (lost leases, shutdown hand-backs) out of the test output; errors still show. */
export const quietLogger: QueueLogger = {
  warn: () => {},
  error: (details, message) => console.error(message, details),
};

export interface QueueHarness {
  /** The current database (replaced by `restart()`). */
  readonly db: Database;
  /** The Redis client and key prefix of the BullMQ driver (bullmq cases only). */
  readonly redis?: Redis;
  readonly prefix: string;
  /** A fresh queue instance on the same storage, as another process would open. Closed by `close()`. */
  newQueue(
    overrides?: Partial<DatabaseJobQueueOptions & Omit<BullmqJobQueueOptions, 'connection'>>,
  ): JobQueue;
  /**
   * A process restart: closes every queue, then reopens the database (embedded: PGlite again on the same data
   * directory; PostgreSQL: a new pool). Only the stored state survives.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function openQueueHarness(testCase: QueueDriverCase): Promise<QueueHarness> {
  // The embedded database lives in a directory so that `restart()` can reopen it.
  const dataDir =
    testCase.backend.name === 'embedded' ? mkdtempSync(join(tmpdir(), 'rosin-queue-')) : undefined;
  let opened = await testCase.backend.open({ dataDir });
  let db = opened.db;
  const extraPools: Database[] = [];
  let redis = opened.redis;
  let ownRedis: Redis | undefined;
  const prefix = opened.redis ? opened.keyPrefix : `test-${randomBytes(4).toString('hex')}`;
  if (testCase.driver === 'bullmq' && !redis) {
    ownRedis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    redis = ownRedis;
  }
  const queues: JobQueue[] = [];
  return {
    get db() {
      return db;
    },
    redis: testCase.driver === 'bullmq' ? redis : undefined,
    prefix,
    newQueue(overrides = {}) {
      const queue =
        testCase.driver === 'bullmq'
          ? new BullmqJobQueue({
              connection: redis!,
              prefix,
              retry: testRetry,
              lockDurationMs: 1_000,
              stalledIntervalMs: 300,
              shutdownGraceMs: 200,
              logger: quietLogger,
              ...overrides,
            })
          : new DatabaseJobQueue(db, {
              retry: testRetry,
              pollIntervalMs: 50,
              leaseMs: 2_000,
              shutdownGraceMs: 200,
              logger: quietLogger,
              ...overrides,
            });
      queues.push(queue);
      return queue;
    },
    async restart() {
      await Promise.all(queues.splice(0).map((queue) => queue.close()));
      if (dataDir) {
        await opened.close();
        opened = await testCase.backend.open({ dataDir });
        db = opened.db;
      } else {
        db = openPostgresDatabase(opened.connectionString!, 5);
        extraPools.push(db);
      }
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
      await Promise.all(extraPools.map((pool) => pool.close()));
      if (ownRedis) {
        const keys = await ownRedis.keys(`${prefix}:*`);
        if (keys.length > 0) await ownRedis.del(...keys);
        await ownRedis.quit();
      }
      await opened.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `condition` holds; fails after `timeoutMs` (a guard against hangs, not a speed assertion). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${timeoutMs} ms: ${condition.toString()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** Rejects when `signal` aborts: a long-running handler that honours shutdown. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

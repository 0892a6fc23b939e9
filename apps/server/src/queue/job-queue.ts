import type { z } from 'zod';
import type { Tx } from '../db/database';

/**
 * Background jobs behind one interface, with two drivers:
 * - `DatabaseJobQueue` (embedded default): jobs live in the `jobs` table and are claimed with a lease;
 * - `BullmqJobQueue` (production, REDIS_URL): BullMQ on Redis.
 * `createJobQueue` picks one. Both give the same guarantees: at-least-once delivery, idempotent enqueue by
 * dedupe key, retries with exponential backoff, a dead state with an `onDead` hook, and recovery of jobs whose
 * worker died. Handlers must therefore be safe to run twice (write with upserts, check before doing work).
 */

/** A job's payload: plain JSON. */
export type JobPayload = Record<string, unknown>;

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** Delay before the first retry; each later retry waits twice as long as the one before. */
  backoffBaseMs: number;
  /** Upper bound of a single delay. */
  backoffMaxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  backoffBaseMs: 1_000,
  backoffMaxMs: 10 * 60_000,
};

/** Delay before the next attempt once `failedAttempts` attempts have failed (1 → base, 2 → 2·base, …). */
export function retryDelayMs(policy: RetryPolicy, failedAttempts: number): number {
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, failedAttempts - 1));
}

export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new Error(`retry.maxAttempts must be a positive integer, got ${policy.maxAttempts}`);
  }
  if (!(policy.backoffBaseMs >= 0) || !(policy.backoffMaxMs >= policy.backoffBaseMs)) {
    throw new Error('retry.backoffBaseMs must be ≥ 0 and ≤ retry.backoffMaxMs');
  }
  return policy;
}

export interface EnqueueOptions {
  /**
   * Identifies the unit of work: a second enqueue with the same key is a no-op while the first job is waiting,
   * running, or retained after it finished (database: until pruned; BullMQ: `keepCompletedMs`/`keepDeadMs`).
   * Derive it from what the job is about, e.g. `transcode:${videoId}` or `${eventType}:${eventId}:${subscriber}`.
   */
  dedupeKey: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Overrides the queue's retry policy for this job. */
  maxAttempts?: number;
  /**
   * For the outbox dispatcher: an open *system* transaction. The database driver writes the job in it (the job
   * exists iff the transaction commits); BullMQ writes to Redis at once, which is only safe for callers that
   * replay with the same dedupe key when their transaction rolls back. Domain code should append an outbox event
   * instead of enqueueing from its own transaction.
   */
  tx?: Tx;
}

/** A job as a handler or the `onDead` hook sees it. */
export interface Job<P extends JobPayload = JobPayload> {
  /** Driver-assigned id (database: uuid; BullMQ: the sanitised dedupe key). */
  id: string;
  queue: string;
  name: string;
  dedupeKey: string;
  payload: P;
  /** 1 for the first attempt. An attempt interrupted by a graceful shutdown is not counted. */
  attempt: number;
  maxAttempts: number;
}

export interface RunningJob<P extends JobPayload = JobPayload> extends Job<P> {
  /**
   * Aborted when the worker shuts down past its grace period or loses the job's lease. Long handlers (transcodes)
   * should pass it on (e.g. to kill ffmpeg); the job is then handed to another worker.
   */
  signal: AbortSignal;
}

export type JobHandler<P extends JobPayload = JobPayload> = (job: RunningJob<P>) => Promise<void>;

/** Handlers of one queue by job name (see `JobRegistry` for typed registration). */
export type JobHandlers = Readonly<Record<string, JobHandler>>;

export interface WorkOptions {
  /** Jobs of this queue run in parallel by this process (default 1). */
  concurrency?: number;
  /**
   * Called once a job has no attempts left (or threw `PermanentJobError`), before it is recorded as dead. Called
   * at least once per dead job: a crash right after it runs calls it again, so make it idempotent. Its own errors
   * are logged and do not keep the job alive.
   */
  onDead?: (job: Job, error: Error) => Promise<void> | void;
}

export interface JobQueue {
  readonly driver: 'database' | 'bullmq';
  /** Adds a job unless one with the same dedupe key exists. */
  enqueue(queue: string, name: string, payload: JobPayload, options: EnqueueOptions): Promise<void>;
  /** Starts processing `queue` in this process. Every job name the queue may carry needs a handler. */
  work(queue: string, handlers: JobHandlers, options?: WorkOptions): Promise<void>;
  /**
   * Stops taking jobs, gives running handlers a grace period to finish, then aborts the rest and hands them back
   * (not counted as an attempt), and releases connections the queue opened itself.
   */
  close(): Promise<void>;
}

/** Thrown by a handler when retrying cannot help (e.g. the input is not a video): the job goes dead at once. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** Minimal logger; a pino logger fits. */
export interface QueueLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const consoleQueueLogger: QueueLogger = {
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

const QUEUE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const MAX_DEDUPE_KEY_LENGTH = 512;

/** Queue names are shared by both drivers: lower-case, no ':' (BullMQ forbids it). */
export function assertQueueName(queue: string): void {
  if (!QUEUE_NAME.test(queue)) {
    throw new Error(
      `Invalid queue name ${JSON.stringify(queue)}: use [a-z][a-z0-9_-]*, at most 64 characters`,
    );
  }
}

export function assertEnqueueArguments(queue: string, name: string, options: EnqueueOptions): void {
  assertQueueName(queue);
  if (name.length === 0 || name.length > 128) throw new Error('A job name must have 1 to 128 characters');
  if (options.dedupeKey.length === 0 || options.dedupeKey.length > MAX_DEDUPE_KEY_LENGTH) {
    throw new Error(`A dedupe key must have 1 to ${MAX_DEDUPE_KEY_LENGTH} characters`);
  }
  if (options.delayMs !== undefined && !(options.delayMs >= 0 && Number.isFinite(options.delayMs))) {
    throw new Error(`delayMs must be a finite number ≥ 0, got ${options.delayMs}`);
  }
  if (
    options.maxAttempts !== undefined &&
    !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)
  ) {
    throw new Error(`maxAttempts must be a positive integer, got ${options.maxAttempts}`);
  }
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

// --- Typed jobs ------------------------------------------------------------------------------------------------

/** A job type: where it runs, its name, and the schema of its payload. */
export interface JobDefinition<P extends JobPayload = JobPayload> {
  readonly queue: string;
  readonly name: string;
  readonly schema: z.ZodType<P>;
}

export function defineJob<S extends z.ZodType<JobPayload>>(definition: {
  queue: string;
  name: string;
  payload: S;
}): JobDefinition<z.output<S>> {
  assertQueueName(definition.queue);
  return {
    queue: definition.queue,
    name: definition.name,
    schema: definition.payload as unknown as z.ZodType<z.output<S>>,
  };
}

/** Enqueues a typed job; the payload is validated before it is stored. */
export async function enqueueJob<P extends JobPayload>(
  queue: JobQueue,
  job: JobDefinition<P>,
  payload: P,
  options: EnqueueOptions,
): Promise<void> {
  await queue.enqueue(job.queue, job.name, job.schema.parse(payload), options);
}

/**
 * Handlers registered by job definition (in the spirit of immich's `@OnJob`): `registry.on(transcodeVideo,
 * async (job) => …)`, then `queue.work(name, registry.handlers(name), …)` for each of `registry.queues()`.
 * A stored payload that no longer matches its schema fails the job permanently.
 */
export class JobRegistry {
  private readonly byQueue = new Map<string, Record<string, JobHandler>>();

  on<P extends JobPayload>(job: JobDefinition<P>, handler: JobHandler<P>): this {
    const handlers = this.byQueue.get(job.queue) ?? {};
    if (handlers[job.name]) throw new Error(`A handler for ${job.queue}/${job.name} is already registered`);
    handlers[job.name] = async (running) => {
      const parsed = job.schema.safeParse(running.payload);
      if (!parsed.success) {
        throw new PermanentJobError(`Payload of ${job.queue}/${job.name} does not match its schema`, {
          cause: parsed.error,
        });
      }
      await handler({ ...running, payload: parsed.data });
    };
    this.byQueue.set(job.queue, handlers);
    return this;
  }

  queues(): string[] {
    return [...this.byQueue.keys()];
  }

  handlers(queue: string): JobHandlers {
    return { ...this.byQueue.get(queue) };
  }
}

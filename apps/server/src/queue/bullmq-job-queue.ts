import { Queue, UnrecoverableError, WaitingError, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  assertEnqueueArguments,
  assertQueueName,
  consoleQueueLogger,
  PermanentJobError,
  resolveRetryPolicy,
  retryDelayMs,
  toError,
  type EnqueueOptions,
  type Job,
  type JobHandlers,
  type JobPayload,
  type JobQueue,
  type QueueLogger,
  type RetryPolicy,
  type WorkOptions,
} from './job-queue';

export interface BullmqJobQueueOptions {
  /**
   * The process's Redis client. Producers share it (so an enqueue fails fast when Redis is down); workers open
   * their own blocking connections from a copy of its settings and close them again.
   */
  connection: Redis;
  /** Namespace of every key (BullMQ's `prefix`); tests use a unique one. Default `rosin`. */
  prefix?: string;
  retry?: Partial<RetryPolicy>;
  /** Finished jobs are kept this long so their dedupe key keeps absorbing duplicates. Default 7 / 30 days. */
  keepCompletedMs?: number;
  keepDeadMs?: number;
  /**
   * A running job's lock lasts this long and is renewed every half of it; a job whose lock expired (its worker
   * died) is found by the stalled check and handed to another worker. Default 60 s, checked every 30 s.
   */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Times a job may be recovered from a dead worker before it fails for good. Default 2. */
  maxStalledCount?: number;
  /** `close()` waits this long for running handlers before aborting them and handing their jobs back. Default 5 s. */
  shutdownGraceMs?: number;
  logger?: QueueLogger;
}

/** Our backoff, computed by every worker so both drivers wait the same (`retryDelayMs`). */
const BACKOFF_TYPE = 'rosin-exponential';

/**
 * BullMQ rejects custom job ids that are integers or contain ':' (unless split in exactly three parts), and our
 * dedupe keys routinely contain ':' (`video.uploaded:42:transcode`). Percent-encoding is reversible and injective,
 * and the prefix keeps every id non-numeric.
 */
export function toBullmqJobId(dedupeKey: string): string {
  return `k-${encodeURIComponent(dedupeKey)}`;
}

export function fromBullmqJobId(jobId: string): string {
  return decodeURIComponent(jobId.slice(2));
}

interface RunningEntry {
  controller: AbortController;
  released: boolean;
  settled: Promise<void>;
}

/** The production driver: BullMQ on Redis, one BullMQ queue per queue name. */
export class BullmqJobQueue implements JobQueue {
  readonly driver = 'bullmq' as const;
  private readonly retry: RetryPolicy;
  private readonly prefix: string;
  private readonly logger: QueueLogger;
  private readonly producers = new Map<string, Queue>();
  private readonly workers: Array<{ worker: Worker; running: Set<RunningEntry> }> = [];
  private workerConnection: Redis | undefined;
  private closed = false;

  constructor(private readonly options: BullmqJobQueueOptions) {
    this.retry = resolveRetryPolicy(options.retry);
    this.prefix = options.prefix ?? 'rosin';
    this.logger = options.logger ?? consoleQueueLogger;
  }

  async enqueue(queue: string, name: string, payload: JobPayload, options: EnqueueOptions): Promise<void> {
    if (this.closed) throw new Error('The job queue is closed');
    assertEnqueueArguments(queue, name, options);
    // An existing job with this id (waiting, active, delayed, completed or failed) makes `add` a no-op.
    await this.producer(queue).add(name, payload, {
      jobId: toBullmqJobId(options.dedupeKey),
      delay: options.delayMs ?? 0,
      attempts: options.maxAttempts ?? this.retry.maxAttempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: Math.ceil((this.options.keepCompletedMs ?? 7 * 86_400_000) / 1000) },
      removeOnFail: { age: Math.ceil((this.options.keepDeadMs ?? 30 * 86_400_000) / 1000) },
    });
  }

  async work(queue: string, handlers: JobHandlers, options: WorkOptions = {}): Promise<void> {
    if (this.closed) throw new Error('The job queue is closed');
    assertQueueName(queue);
    const running = new Set<RunningEntry>();
    const runningById = new Map<string, RunningEntry>();
    const lockDuration = this.options.lockDurationMs ?? 60_000;
    // Blocking connections need `maxRetriesPerRequest: null`; BullMQ duplicates this template for each worker
    // (it never connects itself) and owns those copies.
    this.workerConnection ??= this.options.connection.duplicate({
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });

    const processor = async (bullJob: BullJob, _token?: string, bullSignal?: AbortSignal): Promise<void> => {
      const controller = new AbortController();
      bullSignal?.addEventListener('abort', () => controller.abort(bullSignal.reason), { once: true });
      let settle = () => {};
      const entry: RunningEntry = {
        controller,
        released: false,
        settled: new Promise<void>((resolve) => (settle = resolve)),
      };
      running.add(entry);
      if (bullJob.id) runningById.set(bullJob.id, entry);
      const job: Job = {
        id: bullJob.id ?? '',
        queue,
        name: bullJob.name,
        dedupeKey: bullJob.id ? fromBullmqJobId(bullJob.id) : '',
        payload: bullJob.data as JobPayload,
        attempt: bullJob.attemptsMade + 1,
        maxAttempts: bullJob.opts.attempts ?? 1,
      };
      try {
        const handler = handlers[bullJob.name];
        if (!handler) throw new Error(`No handler for job ${JSON.stringify(bullJob.name)} on queue ${queue}`);
        await handler({ ...job, signal: controller.signal });
      } catch (caught) {
        if (entry.released) {
          // Shutting down: back to waiting for the next worker, not counted as an attempt.
          await bullJob.moveToWait(_token);
          throw new WaitingError();
        }
        const error = toError(caught);
        const permanent = error instanceof PermanentJobError;
        if (permanent || job.attempt >= job.maxAttempts) {
          await this.callOnDead(options.onDead, job, error);
          if (permanent) throw new UnrecoverableError(error.message);
        }
        throw error;
      } finally {
        running.delete(entry);
        if (bullJob.id) runningById.delete(bullJob.id);
        settle();
      }
    };

    const worker = new Worker(queue, processor, {
      connection: this.workerConnection,
      prefix: this.prefix,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: this.options.stalledIntervalMs ?? Math.max(1_000, lockDuration / 2),
      maxStalledCount: this.options.maxStalledCount ?? 2,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(this.retry, attemptsMade) },
    });
    worker.on('error', (error) => this.logger.error({ err: error, queue }, 'BullMQ worker error'));
    // A lock that could not be renewed (the event loop was blocked, Redis was away) may already be another
    // worker's: stop the handler so it writes nothing more, as the database driver does when a lease is lost.
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) {
        runningById.get(id)?.controller.abort(new Error('The job lock was lost; another worker may run it'));
      }
      this.logger.warn({ queue, jobIds }, 'job locks lost: their handlers are aborted');
    });
    this.workers.push({ worker, running });
    await worker.waitUntilReady();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const grace = this.options.shutdownGraceMs ?? 5_000;
    await Promise.all(
      this.workers.map(async ({ worker, running }) => {
        await worker.pause(true);
        if (
          running.size > 0 &&
          !(await settledWithin(
            [...running].map((entry) => entry.settled),
            grace,
          ))
        ) {
          for (const entry of running) {
            entry.released = true;
            entry.controller.abort(new Error('The worker is shutting down'));
          }
          // Handlers that honour the signal hand their job back now; the others are left to stalled-job recovery.
          await settledWithin(
            [...running].map((entry) => entry.settled),
            Math.min(grace, 1_000),
          );
        }
        await worker.close(running.size > 0);
      }),
    );
    await Promise.all([...this.producers.values()].map((producer) => producer.close()));
    this.producers.clear();
    this.workerConnection?.disconnect();
  }

  private producer(queue: string): Queue {
    let producer = this.producers.get(queue);
    if (!producer) {
      producer = new Queue(queue, { connection: this.options.connection, prefix: this.prefix });
      producer.on('error', (error) => this.logger.error({ err: error, queue }, 'BullMQ queue error'));
      this.producers.set(queue, producer);
    }
    return producer;
  }

  private async callOnDead(onDead: WorkOptions['onDead'], job: Job, error: Error): Promise<void> {
    if (!onDead) return;
    try {
      await onDead(job, error);
    } catch (hookError) {
      this.logger.error({ err: hookError, queue: job.queue, jobId: job.id }, 'onDead hook failed');
    }
  }
}

async function settledWithin(promises: Promise<void>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    Promise.all(promises).then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return done;
}

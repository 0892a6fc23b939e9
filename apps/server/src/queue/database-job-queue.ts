import { sql, type RawBuilder } from 'kysely';
import type { Database, Tx } from '../db/database';
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

export interface DatabaseJobQueueOptions {
  retry?: Partial<RetryPolicy>;
  /** How often an idle worker looks for due jobs (enqueues in this process wake it at once). Default 500 ms. */
  pollIntervalMs?: number;
  /** A claimed job belongs to its worker this long; renewed every third of it while the handler runs. Default 30 s. */
  leaseMs?: number;
  /** `close()` waits this long for running handlers before aborting them and handing their jobs back. Default 5 s. */
  shutdownGraceMs?: number;
  /** Finished jobs (and so their dedupe keys) are kept this long. Default 7 days for completed, 30 for dead. */
  keepCompletedMs?: number;
  keepDeadMs?: number;
  /** How often the retention above is applied while a worker runs. Default 1 h. */
  pruneIntervalMs?: number;
  logger?: QueueLogger;
}

interface ClaimedRow {
  id: string;
  name: string;
  dedupe_key: string;
  payload: JobPayload;
  attempts: number;
  max_attempts: number;
  locked_until: Date;
}

/** A claim on a job: `locked_until` (millisecond precision) doubles as the fencing token of every later write. */
interface Lease {
  token: Date;
  /** In-flight renewal; writes wait for it so they use the newest token. */
  renewing: Promise<void>;
  /** Another worker may own the job now (lease lost) or it was handed back on shutdown: write nothing more. */
  relinquished: boolean;
  controller: AbortController;
  heartbeat: NodeJS.Timeout;
  settled: Promise<void>;
}

const interval = (ms: number) => sql`(interval '1 millisecond' * ${ms}::double precision)`;

/**
 * The embedded driver: jobs in the `jobs` table, claimed with `for update skip locked` and a lease
 * (`locked_until`). A job whose worker died is claimed again once its lease expires, and jobs outlive the process
 * because they are rows. All access is `asSystem` (the table's only policy).
 */
export class DatabaseJobQueue implements JobQueue {
  readonly driver = 'database' as const;
  private readonly retry: RetryPolicy;
  private readonly settings: Required<Omit<DatabaseJobQueueOptions, 'retry' | 'logger'>>;
  private readonly logger: QueueLogger;
  private readonly workers = new Map<string, DatabaseWorker>();
  private pruneTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    options: DatabaseJobQueueOptions = {},
  ) {
    this.retry = resolveRetryPolicy(options.retry);
    this.logger = options.logger ?? consoleQueueLogger;
    this.settings = {
      pollIntervalMs: options.pollIntervalMs ?? 500,
      leaseMs: options.leaseMs ?? 30_000,
      shutdownGraceMs: options.shutdownGraceMs ?? 5_000,
      keepCompletedMs: options.keepCompletedMs ?? 7 * 86_400_000,
      keepDeadMs: options.keepDeadMs ?? 30 * 86_400_000,
      pruneIntervalMs: options.pruneIntervalMs ?? 3_600_000,
    };
    if (this.settings.leaseMs < 30) throw new Error('leaseMs must be at least 30 ms');
  }

  async enqueue(queue: string, name: string, payload: JobPayload, options: EnqueueOptions): Promise<void> {
    if (this.closed) throw new Error('The job queue is closed');
    assertEnqueueArguments(queue, name, options);
    const delayMs = options.delayMs ?? 0;
    const insert = (tx: Tx) =>
      tx
        .insertInto('jobs')
        .values({
          queue,
          name,
          dedupe_key: options.dedupeKey,
          payload: JSON.stringify(payload),
          max_attempts: options.maxAttempts ?? this.retry.maxAttempts,
          run_at: sql<Date>`now() + ${interval(delayMs)}`,
        })
        .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
        .execute();
    if (options.tx) {
      // Not committed yet: the worker finds it on its next poll.
      await insert(options.tx);
      return;
    }
    await this.db.asSystem(insert);
    this.workers.get(queue)?.wakeIn(delayMs);
  }

  async work(queue: string, handlers: JobHandlers, options: WorkOptions = {}): Promise<void> {
    if (this.closed) throw new Error('The job queue is closed');
    assertQueueName(queue);
    if (this.workers.has(queue)) throw new Error(`Queue ${queue} already has a worker in this process`);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error('concurrency must be a positive integer');
    }
    const worker = new DatabaseWorker(this.db, queue, handlers, {
      ...this.settings,
      concurrency,
      retry: this.retry,
      onDead: options.onDead,
      logger: this.logger,
    });
    this.workers.set(queue, worker);
    worker.wakeIn(0);
    this.pruneTimer ??= setInterval(() => {
      this.prune().catch((error: unknown) =>
        this.logger.error({ err: error }, 'pruning finished jobs failed'),
      );
    }, this.settings.pruneIntervalMs).unref();
  }

  /** Deletes finished jobs past their retention; returns how many. */
  async prune(): Promise<number> {
    const { keepCompletedMs, keepDeadMs } = this.settings;
    const result = await this.db.asSystem((tx) =>
      tx
        .deleteFrom('jobs')
        .where((eb) =>
          eb.or([
            eb.and([
              eb('status', '=', 'completed'),
              eb('finished_at', '<', sql<Date>`now() - ${interval(keepCompletedMs)}`),
            ]),
            eb.and([
              eb('status', '=', 'dead'),
              eb('finished_at', '<', sql<Date>`now() - ${interval(keepDeadMs)}`),
            ]),
          ]),
        )
        .executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pruneTimer);
    await Promise.all([...this.workers.values()].map((worker) => worker.close()));
    this.workers.clear();
  }
}

interface WorkerSettings {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  shutdownGraceMs: number;
  retry: RetryPolicy;
  onDead: WorkOptions['onDead'];
  logger: QueueLogger;
}

class DatabaseWorker {
  private readonly running = new Map<string, Lease>();
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private closing = false;

  constructor(
    private readonly db: Database,
    private readonly queue: string,
    private readonly handlers: JobHandlers,
    private readonly settings: WorkerSettings,
  ) {}

  /** Looks for due jobs in `ms` (sooner if already planned). */
  wakeIn(ms: number): void {
    if (this.closing) return;
    const at = Date.now() + ms;
    if (this.timer && at >= this.wakeAt) return;
    clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, ms);
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        const free = this.settings.concurrency - this.running.size;
        if (free <= 0 || this.closing) break;
        let claimed: ClaimedRow[];
        try {
          claimed = await this.claim(free);
        } catch (error) {
          this.settings.logger.error({ err: error, queue: this.queue }, 'claiming jobs failed');
          break;
        }
        for (const row of claimed) this.start(row);
        if (claimed.length === free) this.pumpAgain = true;
      } while (this.pumpAgain && !this.closing);
    })().finally(() => {
      this.pumping = undefined;
      // A wake-up that arrived after the last claim is not lost.
      this.wakeIn(this.pumpAgain ? 0 : this.settings.pollIntervalMs);
    });
  }

  private async claim(limit: number): Promise<ClaimedRow[]> {
    // A job still running here whose lease lapsed (renewals failed for a while) is not claimed again by this worker.
    const mine = [...this.running.keys()];
    const notMine = mine.length > 0 ? sql`and id not in (${sql.join(mine)})` : sql``;
    const { rows } = await this.db.asSystem((tx) =>
      sql<ClaimedRow>`
        with next as (
          select id from jobs
          where queue = ${this.queue} and status in ('waiting', 'active')
            and ((status = 'waiting' and run_at <= now()) or (status = 'active' and locked_until < now()))
            ${notMine}
          order by run_at, id
          limit ${limit}
          for update skip locked
        )
        update jobs set status = 'active', attempts = jobs.attempts + 1,
                        locked_until = date_trunc('milliseconds', now()) + ${interval(this.settings.leaseMs)}
        from next where jobs.id = next.id
        returning jobs.id, jobs.name, jobs.dedupe_key, jobs.payload, jobs.attempts, jobs.max_attempts,
                  jobs.locked_until`.execute(tx),
    );
    return rows;
  }

  private start(row: ClaimedRow): void {
    const lease: Lease = {
      token: row.locked_until,
      renewing: Promise.resolve(),
      relinquished: false,
      controller: new AbortController(),
      heartbeat: setInterval(() => this.renew(row.id, lease), Math.max(10, this.settings.leaseMs / 3)),
      settled: Promise.resolve(),
    };
    this.running.set(row.id, lease);
    lease.settled = this.execute(row, lease)
      .catch((error: unknown) => {
        this.settings.logger.error(
          { err: error, queue: this.queue, jobId: row.id },
          'recording a job outcome failed',
        );
      })
      .finally(() => {
        clearInterval(lease.heartbeat);
        this.running.delete(row.id);
        this.wakeIn(0);
      });
  }

  private renew(id: string, lease: Lease): void {
    lease.renewing = lease.renewing.then(async () => {
      if (lease.relinquished) return;
      try {
        const renewed = await this.db.asSystem((tx) =>
          tx
            .updateTable('jobs')
            .set({
              locked_until: sql<Date>`date_trunc('milliseconds', now()) + ${interval(this.settings.leaseMs)}`,
            })
            .where('id', '=', id)
            .where('status', '=', 'active')
            .where('locked_until', '=', lease.token)
            .returning('locked_until')
            .executeTakeFirst(),
        );
        if (renewed?.locked_until) {
          lease.token = renewed.locked_until;
        } else {
          this.settings.logger.warn(
            { queue: this.queue, jobId: id },
            'lost the lease of a running job; aborting it',
          );
          lease.relinquished = true;
          lease.controller.abort(new Error('The job lease was lost'));
        }
      } catch (error) {
        // Transient: the next heartbeat tries again while the lease lasts.
        this.settings.logger.warn(
          { err: error, queue: this.queue, jobId: id },
          'renewing a job lease failed',
        );
      }
    });
  }

  private async execute(row: ClaimedRow, lease: Lease): Promise<void> {
    const job: Job = {
      id: row.id,
      queue: this.queue,
      name: row.name,
      dedupeKey: row.dedupe_key,
      payload: row.payload,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
    };
    let failure: Error | undefined;
    if (row.attempts > row.max_attempts) {
      // Claimed again after its lease expired during the last attempt: its worker died, no attempts are left.
      job.attempt = row.max_attempts;
      failure = new Error('The worker running the last attempt stopped before finishing it (lease expired)');
    } else {
      try {
        const handler = this.handlers[row.name];
        if (!handler) {
          throw new Error(`No handler for job ${JSON.stringify(row.name)} on queue ${this.queue}`);
        }
        await handler({ ...job, signal: lease.controller.signal });
      } catch (error) {
        failure = toError(error);
      }
    }
    if (lease.relinquished) return;

    if (!failure) {
      await this.finish(lease, row.id, {
        status: 'completed',
        finished_at: sql<Date>`now()`,
        last_error: null,
      });
      return;
    }
    const dead = failure instanceof PermanentJobError || job.attempt >= job.maxAttempts;
    if (!dead) {
      const delay = retryDelayMs(this.settings.retry, job.attempt);
      const retried = await this.finish(lease, row.id, {
        status: 'waiting',
        run_at: sql<Date>`now() + ${interval(delay)}`,
        last_error: errorText(failure),
      });
      if (retried) this.wakeIn(delay);
      return;
    }
    if (this.settings.onDead) {
      try {
        await this.settings.onDead(job, failure);
      } catch (error) {
        this.settings.logger.error({ err: error, queue: this.queue, jobId: row.id }, 'onDead hook failed');
      }
      if (lease.relinquished) return;
    }
    await this.finish(lease, row.id, {
      status: 'dead',
      finished_at: sql<Date>`now()`,
      last_error: errorText(failure),
      attempts: job.attempt,
    });
  }

  /** Records an outcome if the lease is still ours; returns whether it was. */
  private async finish(
    lease: Lease,
    id: string,
    changes: {
      status: 'waiting' | 'completed' | 'dead';
      run_at?: RawBuilder<Date>;
      finished_at?: RawBuilder<Date>;
      last_error: string | null;
      attempts?: number;
    },
  ): Promise<boolean> {
    clearInterval(lease.heartbeat);
    await lease.renewing;
    if (lease.relinquished) return false;
    const updated = await this.db.asSystem((tx) =>
      tx
        .updateTable('jobs')
        .set({ ...changes, locked_until: null })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .where('locked_until', '=', lease.token)
        .executeTakeFirst(),
    );
    if (updated.numUpdatedRows === 0n) {
      this.settings.logger.warn(
        { queue: this.queue, jobId: id },
        'a job outcome was dropped: its lease had passed on',
      );
      return false;
    }
    return true;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    await this.pumping;
    const settledAll = Promise.all([...this.running.values()].map((lease) => lease.settled));
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      settledAll,
      new Promise((resolve) => (graceTimer = setTimeout(resolve, this.settings.shutdownGraceMs))),
    ]);
    clearTimeout(graceTimer);
    // Hand what is still running back: it runs again at once elsewhere, and this attempt does not count.
    await Promise.all(
      [...this.running.entries()].map(async ([id, lease]) => {
        clearInterval(lease.heartbeat);
        await lease.renewing;
        if (lease.relinquished) return;
        lease.relinquished = true;
        lease.controller.abort(new Error('The worker is shutting down'));
        try {
          await this.db.asSystem((tx) =>
            tx
              .updateTable('jobs')
              .set({
                status: 'waiting',
                run_at: sql<Date>`now()`,
                locked_until: null,
                attempts: sql<number>`attempts - 1`,
              })
              .where('id', '=', id)
              .where('status', '=', 'active')
              .where('locked_until', '=', lease.token)
              .execute(),
          );
        } catch (error) {
          // Its lease expires on its own.
          this.settings.logger.warn(
            { err: error, queue: this.queue, jobId: id },
            'handing a job back failed',
          );
        }
      }),
    );
  }
}

function errorText(error: Error): string {
  return (error.stack ?? `${error.name}: ${error.message}`).slice(0, 4_000);
}

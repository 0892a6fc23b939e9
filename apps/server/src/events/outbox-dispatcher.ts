import { sql } from 'kysely';
import type { Database, Tx } from '../db/database';
import {
  consoleQueueLogger,
  enqueueJob,
  toError,
  type JobDefinition,
  type JobPayload,
  type JobQueue,
  type QueueLogger,
} from '../queue/job-queue';
import { isOutboxEventType, outboxEventSchemas, type OutboxEvent, type OutboxEventType } from './event-types';

export interface DispatchEnqueueOptions {
  /**
   * Defaults to `${event.type}:${event.id}:${subscriber.name}`, which makes a redelivered event enqueue nothing
   * new. A subscriber that enqueues several jobs for one event passes a distinct key for each further one.
   */
  dedupeKey?: string;
  delayMs?: number;
  maxAttempts?: number;
}

export interface DispatchContext {
  /** Enqueues a job as part of this delivery (database queue: in the dispatch transaction itself). */
  enqueue<P extends JobPayload>(
    job: JobDefinition<P>,
    payload: P,
    options?: DispatchEnqueueOptions,
  ): Promise<void>;
}

/**
 * Reacts to one event type by enqueueing jobs, nothing else: it runs inside the dispatcher's transaction (keep it
 * short, no I/O besides enqueueing) and may run more than once for the same event (a failed or interrupted
 * delivery is repeated), which the jobs' dedupe keys absorb.
 */
export interface OutboxSubscriber {
  /** Stable: it is part of dedupe keys. Renaming it while events are pending may enqueue their jobs twice. */
  readonly name: string;
  readonly eventType: OutboxEventType;
  handle(event: OutboxEvent, context: DispatchContext): Promise<void>;
}

export function subscribe<T extends OutboxEventType>(
  name: string,
  eventType: T,
  handle: (event: OutboxEvent<T>, context: DispatchContext) => Promise<void>,
): OutboxSubscriber {
  if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(name)) {
    throw new Error(`Invalid subscriber name ${JSON.stringify(name)}`);
  }
  return { name, eventType, handle: handle as unknown as OutboxSubscriber['handle'] };
}

export interface OutboxDispatcherOptions {
  /** Events claimed per transaction. Default 100. */
  batchSize?: number;
  /** How often a started dispatcher looks for events besides nudges. Default 1 s. */
  pollIntervalMs?: number;
  /** A failed delivery is retried after this delay, doubling per failure up to `retryMaxMs`. Default 1 s / 5 min. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  logger?: QueueLogger;
}

export interface DispatchResult {
  /** Events this call claimed. */
  claimed: number;
  dispatched: number;
  failed: number;
}

interface EventRow {
  id: string | number;
  event_type: string;
  aggregate_id: string;
  payload: unknown;
  created_at: Date;
  attempts: number;
}

/** At most this many backing-off events are excluded by id from a claim; the rest may be retried early. */
const MAX_EXCLUDED = 1_000;

/**
 * Delivers outbox events to subscribers, at least once, in id order: each batch is claimed as system work with
 * `for update skip locked` (concurrent dispatchers, in this process or others, take disjoint events), every
 * subscriber of an event enqueues its jobs, and the event is marked dispatched in the same transaction. A crash
 * before the commit leaves the event pending; it is delivered again and the jobs' dedupe keys absorb the repeat
 * (with the database queue the jobs even commit atomically with the mark). A delivery that throws is rolled back to
 * a savepoint, counted in `attempts` and retried with backoff, without holding up the other events.
 */
export class OutboxDispatcher {
  private readonly subscribers = new Map<string, OutboxSubscriber[]>();
  private readonly settings: Required<Omit<OutboxDispatcherOptions, 'logger'>>;
  private readonly logger: QueueLogger;
  /** Events whose last delivery failed in this process: not before `until`. */
  private readonly backoff = new Map<string, { failures: number; until: number }>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;
  private ticking = false;
  private tickAgain = false;

  constructor(
    private readonly db: Database,
    private readonly jobs: JobQueue,
    subscribers: OutboxSubscriber[],
    options: OutboxDispatcherOptions = {},
  ) {
    for (const subscriber of subscribers) {
      const list = this.subscribers.get(subscriber.eventType) ?? [];
      if (list.some((other) => other.name === subscriber.name)) {
        throw new Error(`Two subscribers of ${subscriber.eventType} are named ${subscriber.name}`);
      }
      this.subscribers.set(subscriber.eventType, [...list, subscriber]);
    }
    this.settings = {
      batchSize: options.batchSize ?? 100,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      retryBaseMs: options.retryBaseMs ?? 1_000,
      retryMaxMs: options.retryMaxMs ?? 5 * 60_000,
    };
    this.logger = options.logger ?? consoleQueueLogger;
  }

  /** Dispatches now and then every poll interval until `stop()`. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.schedule(0);
  }

  /** Dispatch soon: call after committing a transaction that appended events. No-op unless started. */
  nudge(): void {
    if (!this.started || this.stopping) return;
    if (this.ticking) this.tickAgain = true;
    else this.schedule(0);
  }

  /** Stops the timer and waits for the batch in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.chain;
  }

  /** Claims and delivers one batch (batches of one dispatcher never overlap). */
  dispatchOnce(): Promise<DispatchResult> {
    const run = this.chain.then(() => this.dispatchBatch());
    this.chain = run.catch(() => {});
    return run;
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    try {
      // A full batch means more may be pending; after failures, wait (the queue may be down) instead of spinning.
      let result: DispatchResult;
      do {
        this.tickAgain = false;
        result = await this.dispatchOnce();
      } while (
        !this.stopping &&
        (this.tickAgain || (result.claimed === this.settings.batchSize && result.failed === 0))
      );
    } catch (error) {
      this.logger.error({ err: error }, 'outbox dispatch failed');
    } finally {
      this.ticking = false;
      this.schedule(this.tickAgain ? 0 : this.settings.pollIntervalMs);
    }
  }

  private async dispatchBatch(): Promise<DispatchResult> {
    const now = Date.now();
    const excluded: string[] = [];
    for (const [id, entry] of this.backoff) {
      if (entry.until > now && excluded.length < MAX_EXCLUDED) excluded.push(id);
    }
    const outcome = await this.db.asSystem(async (tx) => {
      let query = tx
        .selectFrom('outbox_events')
        .select(['id', 'event_type', 'aggregate_id', 'payload', 'created_at', 'attempts'])
        .where('dispatched_at', 'is', null);
      if (excluded.length > 0) query = query.where('id', 'not in', excluded);
      const rows: EventRow[] = await query
        .orderBy('id')
        .limit(this.settings.batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      const dispatched: string[] = [];
      const failed: Array<{ id: string; error: Error; type: string }> = [];
      for (const row of rows) {
        const id = String(row.id);
        await sql`savepoint outbox_delivery`.execute(tx);
        try {
          await this.deliver(tx, row, id);
          await sql`release savepoint outbox_delivery`.execute(tx);
          dispatched.push(id);
        } catch (error) {
          await sql`rollback to savepoint outbox_delivery`.execute(tx);
          failed.push({ id, error: toError(error), type: row.event_type });
        }
      }
      if (dispatched.length > 0) {
        await tx
          .updateTable('outbox_events')
          .set({ dispatched_at: sql<Date>`now()`, attempts: sql<number>`attempts + 1` })
          .where('id', 'in', dispatched)
          .execute();
      }
      if (failed.length > 0) {
        await tx
          .updateTable('outbox_events')
          .set({ attempts: sql<number>`attempts + 1` })
          .where(
            'id',
            'in',
            failed.map((failure) => failure.id),
          )
          .execute();
      }
      return { claimed: rows.length, dispatched, failed };
    });

    for (const id of outcome.dispatched) this.backoff.delete(id);
    for (const failure of outcome.failed) {
      const failures = (this.backoff.get(failure.id)?.failures ?? 0) + 1;
      const delay = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (failures - 1));
      this.backoff.set(failure.id, { failures, until: Date.now() + delay });
      this.logger.error(
        { err: failure.error, eventId: failure.id, eventType: failure.type, failures, retryInMs: delay },
        'outbox event delivery failed',
      );
    }
    return { claimed: outcome.claimed, dispatched: outcome.dispatched.length, failed: outcome.failed.length };
  }

  private async deliver(tx: Tx, row: EventRow, id: string): Promise<void> {
    // A type this release does not know was written by a newer one: leave it to that release's dispatcher.
    if (!isOutboxEventType(row.event_type)) throw new Error(`Unknown outbox event type ${row.event_type}`);
    const payload = outboxEventSchemas[row.event_type].parse(row.payload);
    const event: OutboxEvent = {
      id,
      type: row.event_type,
      aggregateId: row.aggregate_id,
      payload,
      createdAt: row.created_at,
      attempts: row.attempts,
    };
    for (const subscriber of this.subscribers.get(event.type) ?? []) {
      const keys = new Set<string>();
      await subscriber.handle(event, {
        enqueue: async (job, jobPayload, options = {}) => {
          const dedupeKey = options.dedupeKey ?? `${event.type}:${event.id}:${subscriber.name}`;
          if (keys.has(dedupeKey)) {
            throw new Error(
              `Subscriber ${subscriber.name} enqueued two jobs under ${dedupeKey}; give each its own key`,
            );
          }
          keys.add(dedupeKey);
          await enqueueJob(this.jobs, job, jobPayload, {
            dedupeKey,
            delayMs: options.delayMs,
            maxAttempts: options.maxAttempts,
            tx,
          });
        },
      });
    }
  }
}

import { sql } from 'kysely';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BullmqJobQueue, fromBullmqJobId, toBullmqJobId } from './bullmq-job-queue';
import { createJobQueue } from './create-job-queue';
import { DatabaseJobQueue } from './database-job-queue';
import { defineJob, enqueueJob, JobRegistry, PermanentJobError, retryDelayMs, type Job } from './job-queue';
import {
  deferred,
  openQueueHarness,
  queueDriverCases,
  testRetry,
  untilAborted,
  waitFor,
  type QueueHarness,
} from './test-drivers';

describe('retry delays', () => {
  it('double from the base up to the cap', () => {
    const policy = { maxAttempts: 9, backoffBaseMs: 100, backoffMaxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((failed) => retryDelayMs(policy, failed))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});

describe('BullMQ job ids', () => {
  it('turn any dedupe key into an id BullMQ accepts (no ":" and never an integer), reversibly', () => {
    const keys = [
      'video.uploaded:42:transcode',
      'a:b',
      '42',
      '0',
      'a%3Ab',
      'ünïcødé key/with spaces',
      '0:1:2',
    ];
    const ids = keys.map(toBullmqJobId);
    for (const id of ids) {
      expect(id).not.toContain(':');
      expect(`${Number.parseInt(id, 10)}`).not.toBe(id);
    }
    expect(new Set(ids).size).toBe(keys.length);
    expect(ids.map(fromBullmqJobId)).toEqual(keys);
  });
});

// One harness (one database, one Redis prefix) per driver case: opening PGlite dominates the run time.
describe.each(queueDriverCases)('job queue: $label', (testCase) => {
  let harness: QueueHarness;
  beforeAll(async () => {
    harness = await openQueueHarness(testCase);
  });
  afterAll(() => harness.close());

  it('runs a job once however often it is enqueued with the same dedupe key', async () => {
    const queue = harness.newQueue();
    const runs: unknown[] = [];
    let sentinels = 0;
    await queue.enqueue('dedupe', 'echo', { n: 1 }, { dedupeKey: 'echo:1' });
    await queue.enqueue('dedupe', 'echo', { n: 2 }, { dedupeKey: 'echo:1' });
    await queue.work('dedupe', {
      echo: async (job) => void runs.push(job.payload),
      sentinel: async () => void sentinels++,
    });
    await waitFor(() => runs.length === 1);
    // Still absorbed once the first one has completed, also from another instance (process).
    await queue.enqueue('dedupe', 'echo', { n: 3 }, { dedupeKey: 'echo:1' });
    await harness.newQueue().enqueue('dedupe', 'echo', { n: 4 }, { dedupeKey: 'echo:1' });
    await queue.enqueue('dedupe', 'sentinel', {}, { dedupeKey: 'sentinel:1' });
    await waitFor(() => sentinels === 1);
    expect(runs).toEqual([{ n: 1 }]);
    await queue.close();
  });

  it('retries a failing job with growing delays, then calls onDead once', async () => {
    const queue = harness.newQueue();
    const attempts: Array<{ attempt: number; at: number }> = [];
    const dead: Array<{ job: Job; error: Error }> = [];
    let sentinels = 0;
    await queue.work(
      'flaky',
      {
        fail: async (job) => {
          attempts.push({ attempt: job.attempt, at: Date.now() });
          throw new Error(`boom ${job.attempt}`);
        },
        sentinel: async () => void sentinels++,
      },
      { onDead: (job, error) => void dead.push({ job, error }) },
    );
    await queue.enqueue('flaky', 'fail', { videoId: 'v1' }, { dedupeKey: 'fail:1' });
    await waitFor(() => dead.length === 1);
    await queue.enqueue('flaky', 'sentinel', {}, { dedupeKey: 'sentinel:2' });
    await waitFor(() => sentinels === 1);

    expect(attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = attempts.slice(1).map((entry, index) => entry.at - attempts[index]!.at);
    gaps.forEach((gap, index) => expect(gap).toBeGreaterThanOrEqual(retryDelayMs(testRetry, index + 1) - 5));
    expect(dead).toHaveLength(1);
    expect(dead[0]!.job).toMatchObject({
      queue: 'flaky',
      name: 'fail',
      dedupeKey: 'fail:1',
      payload: { videoId: 'v1' },
      attempt: 4,
      maxAttempts: 4,
    });
    expect(dead[0]!.error.message).toBe('boom 4');
    await queue.close();
  });

  it('sends a job that throws PermanentJobError to onDead without retrying', async () => {
    const queue = harness.newQueue();
    const attempts: number[] = [];
    const dead: Job[] = [];
    await queue.work(
      'permanent',
      {
        corrupt: async (job) => {
          attempts.push(job.attempt);
          throw new PermanentJobError('not a video');
        },
      },
      { onDead: (job) => void dead.push(job) },
    );
    await queue.enqueue('permanent', 'corrupt', {}, { dedupeKey: 'corrupt:1', maxAttempts: 3 });
    await waitFor(() => dead.length === 1);
    expect(attempts).toEqual([1]);
    expect(dead[0]).toMatchObject({ attempt: 1, maxAttempts: 3 });
    await queue.close();
  });

  it('hands a running job back on close; a new instance completes it once, the attempt not counted', async () => {
    const first = harness.newQueue();
    const started = deferred();
    const attempts: number[] = [];
    const effects = new Map<string, number>();
    await first.work('restart', {
      transcode: async (job) => {
        attempts.push(job.attempt);
        started.resolve();
        await untilAborted(job.signal);
      },
    });
    await first.enqueue('restart', 'transcode', { videoId: 'v2' }, { dedupeKey: 'transcode:v2' });
    await started.promise;
    await first.close();

    const second = harness.newQueue();
    await second.work('restart', {
      transcode: async (job) => {
        attempts.push(job.attempt);
        effects.set(job.dedupeKey, (effects.get(job.dedupeKey) ?? 0) + 1);
      },
    });
    await waitFor(() => effects.size === 1);
    expect(attempts).toEqual([1, 1]);
    expect(effects.get('transcode:v2')).toBe(1);
    await second.close();
  });

  it('runs delayed jobs no earlier than asked', async () => {
    const queue = harness.newQueue();
    const ranAt: number[] = [];
    await queue.work('delayed', { later: async () => void ranAt.push(Date.now()) });
    const enqueuedAt = Date.now();
    await queue.enqueue('delayed', 'later', {}, { dedupeKey: 'later:1', delayMs: 150 });
    await waitFor(() => ranAt.length === 1);
    expect(ranAt[0]! - enqueuedAt).toBeGreaterThanOrEqual(145);
    await queue.close();
  });

  it('validates typed jobs on enqueue and hands handlers the parsed payload', async () => {
    const queue = harness.newQueue();
    const transcode = defineJob({
      queue: 'typed',
      name: 'transcode',
      payload: z.object({ videoId: z.uuid() }),
    });
    const received: string[] = [];
    const registry = new JobRegistry().on(transcode, async (job) => void received.push(job.payload.videoId));
    for (const name of registry.queues()) await queue.work(name, registry.handlers(name));

    const videoId = '7d1f0b9e-6c55-4a57-9d4e-3b8f3c2a1e10';
    await expect(
      enqueueJob(queue, transcode, { videoId: 'nope' }, { dedupeKey: 'typed:bad' }),
    ).rejects.toThrow();
    await enqueueJob(queue, transcode, { videoId }, { dedupeKey: `transcode:${videoId}` });
    await waitFor(() => received.length === 1);
    expect(received).toEqual([videoId]);
    expect(() => new JobRegistry().on(transcode, async () => {}).on(transcode, async () => {})).toThrow(
      /already/,
    );
    await queue.close();
  });

  it('rejects names BullMQ could not store and bad options', async () => {
    const queue = harness.newQueue();
    await expect(queue.enqueue('media:x', 'a', {}, { dedupeKey: 'k' })).rejects.toThrow(/queue name/);
    await expect(queue.enqueue('media', 'a', {}, { dedupeKey: '' })).rejects.toThrow(/dedupe key/);
    await expect(queue.enqueue('media', 'a', {}, { dedupeKey: 'k', delayMs: -1 })).rejects.toThrow(/delayMs/);
    await queue.close();
    await expect(queue.enqueue('media', 'a', {}, { dedupeKey: 'k' })).rejects.toThrow(/closed/);
  });

  it('keeps jobs across a restart: a new process finds them in the database or Redis', async () => {
    const producer = harness.newQueue();
    await producer.enqueue('survive', 'transcode', { videoId: 'v9' }, { dedupeKey: 'survive:1' });
    await harness.restart();
    const consumer = harness.newQueue();
    const payloads: unknown[] = [];
    await consumer.work('survive', { transcode: async (job) => void payloads.push(job.payload) });
    await waitFor(() => payloads.length === 1);
    expect(payloads).toEqual([{ videoId: 'v9' }]);
    await consumer.close();
  });

  it('is chosen by the factory: BullMQ with a Redis connection, else the database', async () => {
    const queue = createJobQueue({ db: harness.db, redis: harness.redis });
    expect(queue).toBeInstanceOf(testCase.driver === 'bullmq' ? BullmqJobQueue : DatabaseJobQueue);
    await queue.close();
  });

  describe.runIf(testCase.driver === 'database')('database driver', () => {
    const newQueue = (options: ConstructorParameters<typeof DatabaseJobQueue>[1] = {}) =>
      harness.newQueue(options) as DatabaseJobQueue;
    const jobRow = (dedupeKey: string) =>
      harness.db.asSystem((tx) =>
        tx.selectFrom('jobs').selectAll().where('dedupe_key', '=', dedupeKey).executeTakeFirst(),
      );
    /** A job as a worker that was killed mid-run leaves it: active, its lease expired. */
    const insertOrphan = (queue: string, dedupeKey: string, attempts: number) =>
      harness.db.asSystem((tx) =>
        tx
          .insertInto('jobs')
          .values({
            queue,
            name: 'transcode',
            dedupe_key: dedupeKey,
            payload: JSON.stringify({ videoId: dedupeKey }),
            status: 'active',
            attempts,
            max_attempts: 3,
            run_at: sql<Date>`now() - interval '1 minute'`,
            locked_until: sql<Date>`now() - interval '1 second'`,
          })
          .execute(),
      );

    it('records outcomes on the row: completed, or dead with the last error', async () => {
      const queue = newQueue();
      await queue.work('rows', {
        ok: async () => {},
        bad: async () => {
          throw new Error('always');
        },
      });
      await queue.enqueue('rows', 'ok', {}, { dedupeKey: 'rows:ok' });
      await queue.enqueue('rows', 'bad', {}, { dedupeKey: 'rows:bad', maxAttempts: 2 });
      await waitFor(async () => (await jobRow('rows:ok'))?.status === 'completed');
      await waitFor(async () => (await jobRow('rows:bad'))?.status === 'dead');
      expect(await jobRow('rows:ok')).toMatchObject({ attempts: 1, locked_until: null, last_error: null });
      const bad = await jobRow('rows:bad');
      expect(bad).toMatchObject({ attempts: 2, max_attempts: 2, locked_until: null });
      expect(bad?.last_error).toContain('always');
      expect(bad?.finished_at).toBeInstanceOf(Date);
    });

    it('picks up a job whose worker died once its lease has expired', async () => {
      await insertOrphan('orphans', 'orphan:1', 1);
      const attempts: number[] = [];
      const queue = newQueue();
      await queue.work('orphans', { transcode: async (job) => void attempts.push(job.attempt) });
      await waitFor(async () => (await jobRow('orphan:1'))?.status === 'completed');
      expect(attempts).toEqual([2]);
    });

    it('declares a job dead, via onDead, when its worker died during the last attempt', async () => {
      await insertOrphan('orphans-last', 'orphan:2', 3);
      const ran: number[] = [];
      const dead: Array<{ job: Job; error: Error }> = [];
      const queue = newQueue();
      await queue.work(
        'orphans-last',
        { transcode: async (job) => void ran.push(job.attempt) },
        { onDead: (job, error) => void dead.push({ job, error }) },
      );
      await waitFor(async () => (await jobRow('orphan:2'))?.status === 'dead');
      expect(ran).toEqual([]);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.job).toMatchObject({ attempt: 3, maxAttempts: 3, dedupeKey: 'orphan:2' });
      expect(dead[0]!.error.message).toMatch(/lease expired/);
      expect(await jobRow('orphan:2')).toMatchObject({ attempts: 3 });
    });

    it('renews the lease of a long job so that no other worker takes it over', async () => {
      // The job runs for several lease periods while a second worker (another process) polls the same queue.
      const options = { leaseMs: 300, pollIntervalMs: 20 };
      const runs: string[] = [];
      const handlers = {
        transcode: async () => {
          runs.push('start');
          await new Promise((resolve) => setTimeout(resolve, 1_200));
          runs.push('end');
        },
      };
      const first = newQueue(options);
      await first.work('long', handlers);
      await first.enqueue('long', 'transcode', {}, { dedupeKey: 'long:1' });
      await waitFor(() => runs.length === 1);
      const second = newQueue(options);
      await second.work('long', handlers);
      await waitFor(async () => (await jobRow('long:1'))?.status === 'completed');
      expect(runs).toEqual(['start', 'end']);
      expect(await jobRow('long:1')).toMatchObject({ attempts: 1 });
    });

    it('drops the outcome of a worker whose lease passed to another', async () => {
      const queue = newQueue({ leaseMs: 60_000 });
      const release = deferred();
      const started = deferred();
      let aborted = false;
      await queue.work('fenced', {
        transcode: async (job) => {
          job.signal.addEventListener('abort', () => (aborted = true));
          started.resolve();
          await release.promise;
        },
      });
      await queue.enqueue('fenced', 'transcode', {}, { dedupeKey: 'fenced:1' });
      await started.promise;
      // Meanwhile another worker took the job over (as after an expired lease) and finished it.
      await harness.db.asSystem((tx) =>
        tx
          .updateTable('jobs')
          .set({ status: 'completed', attempts: 2, locked_until: null, finished_at: sql<Date>`now()` })
          .where('dedupe_key', '=', 'fenced:1')
          .execute(),
      );
      release.resolve();
      await queue.close();
      expect(await jobRow('fenced:1')).toMatchObject({ status: 'completed', attempts: 2 });
      expect(aborted).toBe(false);
    });

    it('writes a job inside the caller’s transaction when given one', async () => {
      const queue = newQueue();
      await expect(
        harness.db.asSystem(async (tx) => {
          await queue.enqueue('tx', 'a', {}, { dedupeKey: 'tx:rolled-back', tx });
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      await harness.db.asSystem((tx) => queue.enqueue('tx', 'a', {}, { dedupeKey: 'tx:committed', tx }));
      expect(await jobRow('tx:rolled-back')).toBeUndefined();
      expect(await jobRow('tx:committed')).toMatchObject({ status: 'waiting' });
    });

    it('prunes finished jobs past their retention, keeping recent ones', async () => {
      const queue = newQueue({ keepCompletedMs: 60_000, keepDeadMs: 120_000 });
      await queue.work('prune', { ok: async () => {} });
      await queue.enqueue('prune', 'ok', {}, { dedupeKey: 'prune:old' });
      await queue.enqueue('prune', 'ok', {}, { dedupeKey: 'prune:new' });
      await waitFor(async () => (await jobRow('prune:new'))?.status === 'completed');
      await waitFor(async () => (await jobRow('prune:old'))?.status === 'completed');
      await harness.db.asSystem((tx) =>
        tx
          .updateTable('jobs')
          .set({ finished_at: sql<Date>`now() - interval '2 minutes'` })
          .where('dedupe_key', '=', 'prune:old')
          .execute(),
      );
      expect(await queue.prune()).toBe(1);
      expect(await jobRow('prune:old')).toBeUndefined();
      expect(await jobRow('prune:new')).toBeDefined();
    });
  });

  describe.runIf(testCase.driver === 'bullmq')('BullMQ driver', () => {
    it('stores the job under its sanitised dedupe key and keeps it after completion', async () => {
      const queue = harness.newQueue();
      let runs = 0;
      await queue.work('ids', { run: async () => void runs++ });
      await queue.enqueue('ids', 'run', {}, { dedupeKey: 'video.uploaded:7:transcode' });
      await waitFor(() => runs === 1);
      const inspector = new Queue('ids', { connection: harness.redis!, prefix: harness.prefix });
      const job = await inspector.getJob(toBullmqJobId('video.uploaded:7:transcode'));
      await waitFor(async () => (await job?.getState()) === 'completed');
      await inspector.close();
      await queue.close();
    });

    it('recovers a job whose worker vanished without handing it back (stalled job)', async () => {
      // The first worker's handler ignores the abort signal, as a hung process would: `close()` gives up on it and
      // leaves the job active with a lock that is no longer renewed. Another instance takes it over once it stalls.
      const hung = deferred();
      const started = deferred();
      const runs: Array<{ instance: string; attempt: number }> = [];
      const first = harness.newQueue();
      await first.work('stall', {
        transcode: async (job) => {
          runs.push({ instance: 'first', attempt: job.attempt });
          started.resolve();
          await hung.promise;
        },
      });
      await first.enqueue('stall', 'transcode', {}, { dedupeKey: 'stall:1' });
      await started.promise;
      await first.close();

      let completed = 0;
      const second = harness.newQueue();
      await second.work('stall', {
        transcode: async (job) => {
          runs.push({ instance: 'second', attempt: job.attempt });
          completed++;
        },
      });
      await waitFor(() => completed === 1);
      hung.resolve();
      expect(runs).toEqual([
        { instance: 'first', attempt: 1 },
        { instance: 'second', attempt: 1 },
      ]);
      await second.close();
    });
  });
});

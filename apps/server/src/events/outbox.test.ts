import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob, type JobQueue } from '../queue/job-queue';
import {
  deferred,
  openQueueHarness,
  queueDriverCases,
  waitFor,
  type QueueHarness,
} from '../queue/test-drivers';
import type { NewOutboxEvent } from './event-types';
import { appendEvent } from './outbox';
import {
  OutboxDispatcher,
  subscribe,
  type OutboxDispatcherOptions,
  type OutboxSubscriber,
} from './outbox-dispatcher';

const transcodeJob = (queue: string) =>
  defineJob({ queue, name: 'transcode', payload: z.object({ videoId: z.uuid(), eventId: z.string() }) });

function videoUploaded(): NewOutboxEvent<'video.uploaded'> {
  const sessionId = randomUUID();
  return {
    type: 'video.uploaded',
    aggregateId: sessionId,
    payload: {
      sessionId,
      studentId: randomUUID(),
      videoId: randomUUID(),
      objectKey: `videos/${sessionId}.mp4`,
    },
  };
}

describe.each(queueDriverCases)('transactional outbox with the $label', (testCase) => {
  let harness: QueueHarness;
  const dispatchers: OutboxDispatcher[] = [];
  /** Expected delivery failures are recorded here instead of cluttering the output. */
  const logged: string[] = [];
  const logger = {
    warn: (_: object, message: string) => logged.push(message),
    error: (_: object, message: string) => logged.push(message),
  };

  beforeAll(async () => {
    harness = await openQueueHarness(testCase);
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.stop()));
    // Every test leaves the outbox drained, so no event leaks into the next one.
    expect(await pendingEvents()).toEqual([]);
  });
  afterAll(() => harness.close());

  const db = () => harness.db;
  const newDispatcher = (
    jobs: JobQueue,
    subscribers: OutboxSubscriber[],
    options: OutboxDispatcherOptions = {},
  ) => {
    const dispatcher = new OutboxDispatcher(db(), jobs, subscribers, { retryBaseMs: 20, logger, ...options });
    dispatchers.push(dispatcher);
    return dispatcher;
  };
  const pendingEvents = () =>
    db().asSystem((tx) =>
      tx
        .selectFrom('outbox_events')
        .select(['id', 'event_type'])
        .where('dispatched_at', 'is', null)
        .execute(),
    );
  const eventRow = (id: string) =>
    db().asSystem((tx) =>
      tx.selectFrom('outbox_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    );
  const append = (event: NewOutboxEvent = videoUploaded()) => db().asSystem((tx) => appendEvent(tx, event));

  /** A worker that counts runs per video; `settle` waits until a later sentinel job ran (nothing else is queued). */
  async function countingWorker(jobs: JobQueue, queue: string) {
    const runs = new Map<string, number>();
    let sentinels = 0;
    await jobs.work(queue, {
      transcode: async (job) => {
        const videoId = String(job.payload.videoId);
        runs.set(videoId, (runs.get(videoId) ?? 0) + 1);
      },
      sentinel: async () => void sentinels++,
    });
    return {
      runs,
      async settle() {
        const expected = sentinels + 1;
        await jobs.enqueue(queue, 'sentinel', {}, { dedupeKey: `sentinel:${randomUUID()}` });
        await waitFor(() => sentinels === expected);
      },
    };
  }

  it('never dispatches an event whose transaction rolled back', async () => {
    const jobs = harness.newQueue();
    const calls: string[] = [];
    const dispatcher = newDispatcher(jobs, [
      subscribe('transcode', 'video.uploaded', async (event) => void calls.push(event.id)),
    ]);
    await expect(
      db().asSystem(async (tx) => {
        await appendEvent(tx, videoUploaded());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await dispatcher.dispatchOnce()).toEqual({ claimed: 0, dispatched: 0, failed: 0 });
    expect(calls).toEqual([]);
    const { count } = await db().asSystem((tx) =>
      tx
        .selectFrom('outbox_events')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow(),
    );
    expect(Number(count)).toBe(0);
    await jobs.close();
  });

  it('dispatches committed events exactly once even with two dispatchers at the same time', async () => {
    const jobs = harness.newQueue();
    const job = transcodeJob('concurrent');
    const worker = await countingWorker(jobs, 'concurrent');
    const events = [videoUploaded(), videoUploaded(), videoUploaded(), videoUploaded()];
    const ids = await Promise.all(events.map((event) => append(event)));

    const entered = deferred();
    const gate = deferred();
    const deliveries: string[] = [];
    const subscriber = subscribe('transcode', 'video.uploaded', async (event, context) => {
      deliveries.push(event.id);
      entered.resolve();
      await gate.promise;
      await context.enqueue(job, { videoId: event.payload.videoId, eventId: event.id });
    });
    const first = newDispatcher(jobs, [subscriber]);
    const second = newDispatcher(jobs, [subscriber]);
    const firstRun = first.dispatchOnce();
    await entered.promise; // the first holds its batch (PGlite: the whole database) inside its transaction
    const secondRun = second.dispatchOnce();
    gate.resolve();
    const results = await Promise.all([firstRun, secondRun]);

    expect(results.reduce((sum, result) => sum + result.dispatched, 0)).toBe(events.length);
    expect(results.reduce((sum, result) => sum + result.failed, 0)).toBe(0);
    expect([...deliveries].sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(await eventRow(id)).toMatchObject({ attempts: 1, dispatched_at: expect.any(Date) });
    }
    await waitFor(() => worker.runs.size === events.length);
    await worker.settle();
    expect([...worker.runs.values()]).toEqual(events.map(() => 1));
    await jobs.close();
  });

  it('redelivers an event whose delivery crashed after enqueueing; the job still runs once', async () => {
    const jobs = harness.newQueue();
    const job = transcodeJob('crash');
    const worker = await countingWorker(jobs, 'crash');
    let deliveries = 0;
    const dispatcher = newDispatcher(jobs, [
      subscribe('transcode', 'video.uploaded', async (event, context) => {
        deliveries++;
        await context.enqueue(job, { videoId: event.payload.videoId, eventId: event.id });
        if (deliveries === 1) throw new Error('crashed before marking the event dispatched');
      }),
    ]);
    const event = videoUploaded();
    const id = await append(event);

    expect(await dispatcher.dispatchOnce()).toEqual({ claimed: 1, dispatched: 0, failed: 1 });
    expect(logged.pop()).toBe('outbox event delivery failed');
    expect(await eventRow(id)).toMatchObject({ attempts: 1, dispatched_at: null });
    // Backing off: the next batch leaves it alone, then it is delivered again.
    await waitFor(async () => (await dispatcher.dispatchOnce()).dispatched === 1);
    expect(deliveries).toBe(2);
    expect(await eventRow(id)).toMatchObject({ attempts: 2, dispatched_at: expect.any(Date) });

    await waitFor(() => worker.runs.has(event.payload.videoId));
    await worker.settle();
    expect(worker.runs.get(event.payload.videoId)).toBe(1);
    await jobs.close();
  });

  it('absorbs the job of a dispatcher that died after enqueueing, before its commit', async () => {
    const jobs = harness.newQueue();
    const job = transcodeJob('died');
    const worker = await countingWorker(jobs, 'died');
    const dispatcher = newDispatcher(jobs, [
      subscribe('transcode', 'video.uploaded', async (event, context) => {
        await context.enqueue(job, { videoId: event.payload.videoId, eventId: event.id });
      }),
    ]);
    const event = videoUploaded();
    const id = await append(event);
    // What the dead dispatcher left behind: its job (committed on its own, as with Redis) and a pending event.
    await jobs.enqueue(
      'died',
      'transcode',
      { videoId: event.payload.videoId, eventId: id },
      { dedupeKey: `video.uploaded:${id}:transcode` },
    );
    expect(await dispatcher.dispatchOnce()).toMatchObject({ dispatched: 1 });
    await waitFor(() => worker.runs.has(event.payload.videoId));
    await worker.settle();
    expect(worker.runs.get(event.payload.videoId)).toBe(1);
    await jobs.close();
  });

  it('appends from a user transaction without leaving it elevated or showing it the outbox', async () => {
    const jobs = harness.newQueue();
    const dispatcher = newDispatcher(jobs, []);
    const seen = await db().asUser(randomUUID(), async (tx) => {
      await appendEvent(tx, videoUploaded());
      const { rows } = await sql<{ system: boolean; visible: number }>`
        select app_is_system() as system, (select count(*)::int from outbox_events) as visible`.execute(tx);
      return rows[0];
    });
    expect(seen).toEqual({ system: false, visible: 0 });
    // It committed; with no subscriber it is simply marked dispatched.
    expect(await dispatcher.dispatchOnce()).toEqual({ claimed: 1, dispatched: 1, failed: 0 });
    await jobs.close();
  });

  it('rejects a payload that does not match its event type', async () => {
    const event = videoUploaded();
    await expect(
      append({ ...event, payload: { ...event.payload, videoId: 'not-a-uuid' } } as NewOutboxEvent),
    ).rejects.toThrow();
  });

  it('leaves events of a type it does not know (a newer release) pending', async () => {
    const jobs = harness.newQueue();
    const dispatcher = newDispatcher(jobs, []);
    const { id } = await db().asSystem((tx) =>
      tx
        .insertInto('outbox_events')
        .values({ event_type: 'lesson.booked', aggregate_id: randomUUID(), payload: '{}' })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    expect(await dispatcher.dispatchOnce()).toEqual({ claimed: 1, dispatched: 0, failed: 1 });
    expect(await eventRow(String(id))).toMatchObject({ dispatched_at: null, attempts: 1 });
    await db().asSystem((tx) => tx.deleteFrom('outbox_events').where('id', '=', String(id)).execute());
    await jobs.close();
  });

  it('runs on its poll interval once started, reacts to nudges, and stops cleanly', async () => {
    const jobs = harness.newQueue();
    const job = transcodeJob('timer');
    const worker = await countingWorker(jobs, 'timer');
    const subscriber = subscribe('transcode', 'video.uploaded', async (event, context) => {
      await context.enqueue(job, { videoId: event.payload.videoId, eventId: event.id });
    });

    const polling = newDispatcher(jobs, [subscriber], { pollIntervalMs: 50 });
    polling.start();
    const polled = videoUploaded();
    await append(polled);
    await waitFor(() => worker.runs.has(polled.payload.videoId));
    await polling.stop();

    const nudged = newDispatcher(jobs, [subscriber], { pollIntervalMs: 600_000 });
    nudged.start();
    await waitFor(async () => (await pendingEvents()).length === 0);
    const event = videoUploaded();
    await append(event);
    nudged.nudge();
    await waitFor(() => worker.runs.has(event.payload.videoId));
    await nudged.stop();
    await jobs.close();
  });
});

/**
 * @jest-environment node
 */
import type { CreateSessionRequest, PracticeSession } from '@rosin/contracts/sessions';
import type { UploadPlan } from '@rosin/contracts/uploads';
import { ApiError, NetworkError, SignedOutError } from '../api/api-error';
import { etagFromMd5 } from '../media/part-hashing';
import { Outbox } from './outbox';
import type { OutboxMedia, OutboxTransport } from './outbox-ports';
import { createMemoryOutboxStore } from './outbox-store.memory';

const OWNER = '00000000-0000-4000-8000-0000000000aa';
const ID = '00000000-0000-4000-8000-000000000001';

function session(status: PracticeSession['status']): PracticeSession {
  return {
    id: ID,
    studentId: OWNER,
    focus: 'scales',
    startTs: '2026-11-01T10:00:00.000Z',
    endTs: '2026-11-01T10:20:00.000Z',
    selfRating: null,
    note: '',
    tagIds: [],
    hasSensors: false,
    status,
    failureReason: null,
    createdAt: '2026-11-01T10:20:00.000Z',
    updatedAt: '2026-11-01T10:20:00.000Z',
  };
}

function plan(overrides: Partial<UploadPlan> = {}): UploadPlan {
  return {
    id: '00000000-0000-4000-9000-000000000001',
    sessionId: ID,
    status: 'pending',
    sizeBytes: 10,
    partSizeBytes: 8 * 1024 * 1024,
    partCount: 1,
    confirmedParts: [],
    parts: [{ partNumber: 1, url: 'http://store.test/p1', method: 'PUT', headers: { 'Content-MD5': 'x' } }],
    completeUrl: '/uploads/00000000-0000-4000-9000-000000000001/complete',
    urlsExpireAt: '2100-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function fakeTransport(overrides: Partial<OutboxTransport> = {}) {
  const calls: string[] = [];
  const transport: OutboxTransport = {
    createSession: jest.fn(async (body: CreateSessionRequest) => {
      calls.push(`create ${body.id}`);
      return { session: session('awaiting_upload'), upload: plan() };
    }),
    uploadSensors: jest.fn(async () => void calls.push('sensors')),
    getUpload: jest.fn(async () => plan()),
    putPart: jest.fn(async () => {
      calls.push('put');
      return null;
    }),
    confirmPart: jest.fn(
      async (_id: string, n: number, etag: string) => void calls.push(`confirm ${n} ${etag}`),
    ),
    completeUpload: jest.fn(async () => void calls.push('complete')),
    ...overrides,
  };
  return { transport, calls };
}

const media: OutboxMedia = {
  read: async (_id, start, end) => new Uint8Array(end - start).fill(7),
  remove: async () => undefined,
};

function setup(options: { transport?: Partial<OutboxTransport>; online?: boolean; owner?: string } = {}) {
  const store = createMemoryOutboxStore();
  const { transport, calls } = fakeTransport(options.transport);
  const clock = { now: 1_000_000 };
  let online = options.online ?? true;
  const outbox = new Outbox({
    store,
    transport,
    media,
    clock: { now: () => clock.now },
    isOnline: () => online,
    canSend: (item) => item.ownerId === (options.owner ?? OWNER),
    random: () => 1,
  });
  const enqueue = (withSensors = false) =>
    outbox.enqueue({
      id: ID,
      ownerId: OWNER,
      draft: {
        focus: 'scales',
        startTs: '2026-11-01T10:00:00.000Z',
        endTs: '2026-11-01T10:20:00.000Z',
        selfRating: 4,
        note: '',
        tagIds: [],
      },
      video: { filename: 'take.mp4', contentType: 'video/mp4', sizeBytes: 10 },
      sensors: withSensors ? { gyroscope: [{ t: 0, x: 0, y: 0, z: 0 }] } : null,
    });
  return { outbox, store, transport, calls, clock, enqueue, setOnline: (next: boolean) => (online = next) };
}

describe('Outbox', () => {
  it('stores a saved session at once, hashes its video offline and sends nothing while offline', async () => {
    const t = setup({ online: false });
    const item = await t.enqueue();
    expect(item.phase).toBe('preparing');
    expect(await t.store.get(ID)).toMatchObject({ id: ID, phase: 'preparing' });
    await t.outbox.runOnce();
    const prepared = await t.store.get(ID);
    expect(prepared).toMatchObject({ phase: 'pending', attempts: 0 });
    expect(prepared?.video?.partMd5s).toHaveLength(1);
    expect(t.calls).toEqual([]);
  });

  it('creates, sends sensors before the parts, confirms with the derived ETag, completes, forgets', async () => {
    const t = setup();
    await t.enqueue(true);
    await t.outbox.runOnce();
    const md5 = (t.transport.createSession as jest.Mock).mock.calls[0][0].video.partMd5s[0];
    expect(t.calls).toEqual([`create ${ID}`, 'sensors', 'put', `confirm 1 ${etagFromMd5(md5)}`, 'complete']);
    expect(await t.store.list()).toEqual([]);
  });

  it('skips parts the server already has (resume)', async () => {
    const t = setup({
      transport: {
        createSession: async () => ({
          session: session('awaiting_upload'),
          upload: plan({ confirmedParts: [{ partNumber: 1, etag: '"abc"' }], parts: [] }),
        }),
      },
    });
    await t.enqueue();
    await t.outbox.runOnce();
    expect(t.calls).toEqual(['complete']);
  });

  it('treats a replay that finds the upload complete as delivered', async () => {
    const events: string[] = [];
    const t = setup({
      transport: { createSession: async () => ({ session: session('processing'), upload: null }) },
    });
    t.outbox.subscribe((event) => events.push(event.type));
    await t.enqueue();
    await t.outbox.runOnce();
    expect(await t.store.list()).toEqual([]);
    expect(events).toContain('delivered');
  });

  it('backs off exponentially on network errors and tries again when due', async () => {
    let fail = true;
    const t = setup({
      transport: {
        createSession: async () => {
          if (fail) throw new NetworkError();
          return { session: session('awaiting_upload'), upload: plan() };
        },
      },
    });
    await t.enqueue();
    await t.outbox.runOnce();
    let item = await t.store.get(ID);
    expect(item).toMatchObject({ phase: 'pending', attempts: 1, nextAttemptAt: 1_000_000 + 2_000 });
    await t.outbox.runOnce();
    item = await t.store.get(ID);
    expect(item?.attempts).toBe(1); // not due yet: no new attempt
    t.clock.now += 2_000;
    await t.outbox.runOnce();
    expect((await t.store.get(ID))?.nextAttemptAt).toBe(t.clock.now + 4_000);
    fail = false;
    t.clock.now += 4_000;
    await t.outbox.runOnce();
    expect(await t.store.list()).toEqual([]);
  });

  it('marks a refused session failed with the reason, and retries it on request', async () => {
    let refuse = true;
    const t = setup({
      transport: {
        createSession: async () => {
          if (refuse) throw new ApiError(400, 'VALIDATION_FAILED', 'The request is invalid');
          return { session: session('processing'), upload: null };
        },
      },
    });
    await t.enqueue();
    await t.outbox.runOnce();
    expect(await t.store.get(ID)).toMatchObject({ phase: 'failed', failureReason: 'The request is invalid' });
    refuse = false;
    await t.outbox.retry(ID);
    await t.outbox.runOnce();
    expect(await t.store.list()).toEqual([]);
  });

  it('waits for sign-in instead of failing when the session has expired', async () => {
    const t = setup({
      transport: {
        createSession: async () => {
          throw new SignedOutError();
        },
      },
    });
    await t.enqueue();
    await t.outbox.runOnce();
    expect(await t.store.get(ID)).toMatchObject({
      phase: 'pending',
      attempts: 0,
      lastError: 'Sign in to upload',
    });
  });

  it('never sends another user’s sessions', async () => {
    const t = setup({ owner: '00000000-0000-4000-8000-0000000000bb' });
    await t.enqueue();
    await t.outbox.runOnce();
    expect(t.calls).toEqual([]);
    expect(await t.store.get(ID)).toMatchObject({ phase: 'pending' });
  });

  it('fetches fresh part URLs when the plan’s have expired', async () => {
    const t = setup({
      transport: {
        createSession: async () => ({
          session: session('awaiting_upload'),
          upload: plan({ urlsExpireAt: '1970-01-01T00:00:00.000Z' }),
        }),
      },
    });
    await t.enqueue();
    await t.outbox.runOnce();
    expect(t.transport.getUpload).toHaveBeenCalledTimes(1);
    expect(await t.store.list()).toEqual([]);
  });
});

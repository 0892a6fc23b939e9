/**
 * @jest-environment node
 */
import fc from 'fast-check';
import { ApiClient } from '../api/api-client';
import { createMemoryTokenVault } from '../auth/token-vault.types';
import { Outbox } from './outbox';
import type { OutboxItem } from './outbox-item';
import type { OutboxMedia, OutboxStore } from './outbox-ports';
import { createMemoryOutboxStore } from './outbox-store.memory';
import { createHttpOutboxTransport } from './outbox-transport.http';
import { FakeRosinServer, testUser } from './testing/fake-server';

/**
 * Model-based test of the offline outbox: random interleavings of saving sessions, sending, losing the
 * network, losing answers after the server committed, server errors, crashes mid-run, app restarts, expired
 * access tokens (refresh) and expired upload URLs. The model of the server is an in-memory store keyed by
 * session id; the code under test is the real Outbox + ApiClient + HTTP transport. After the chaos the
 * network comes back for good: every saved session must be on the server exactly once, complete.
 */
const MiB = 1024 * 1024;

type Action =
  | { kind: 'save'; sizeBytes: number | null; withSensors: boolean }
  | { kind: 'send' }
  | { kind: 'networkDown' }
  | { kind: 'networkUp' }
  | { kind: 'dropConnectionAfter'; requests: number }
  | { kind: 'loseResponses'; count: number }
  | { kind: 'serverErrors'; count: number }
  | { kind: 'crashDuringSend'; afterRequests: number }
  | { kind: 'restart' }
  | { kind: 'expireAccessToken' }
  | { kind: 'expireUploadUrls' }
  | { kind: 'toggleEtagExposure' }
  | { kind: 'retryFailed' }
  | { kind: 'wait'; ms: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('save' as const),
      sizeBytes: fc.option(fc.integer({ min: 1, max: 3 * 8 * MiB }), { nil: null, freq: 4 }),
      withSensors: fc.boolean(),
    }),
  },
  { weight: 5, arbitrary: fc.constant({ kind: 'send' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'networkDown' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'networkUp' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('dropConnectionAfter' as const), requests: fc.nat(8) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('loseResponses' as const),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('serverErrors' as const),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('crashDuringSend' as const), afterRequests: fc.nat(10) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'expireAccessToken' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expireUploadUrls' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'toggleEtagExposure' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'retryFailed' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 600_000 }) }),
  },
);

/** A "file" whose parts are small stand-ins: reading [start, end) gives bytes derived from the range. */
function createFakeMedia(): OutboxMedia & { removed: Set<string> } {
  const removed = new Set<string>();
  return {
    removed,
    read: async (sessionId, start, end) => {
      if (removed.has(sessionId)) throw new Error('video removed before the upload finished');
      const seed = `${sessionId}:${start}:${end}`;
      return Uint8Array.from(seed, (char) => char.charCodeAt(0));
    },
    remove: async (sessionId) => {
      removed.add(sessionId);
    },
  };
}

/** One app process: its own ApiClient and Outbox over the shared "disk" (store, token vault, media). */
function startProcess(disk: Disk, server: FakeRosinServer, clock: { now: number }, random: () => number) {
  let alive = true;
  let requestsLeft: number | null = null;
  const guard = <T>(work: () => Promise<T>): Promise<T> => {
    if (!alive) return Promise.reject(new Error('process crashed'));
    return work();
  };
  const store: OutboxStore = {
    list: () => guard(() => disk.store.list()),
    get: (id) => guard(() => disk.store.get(id)),
    put: (item) => guard(() => disk.store.put(item)),
    remove: (id) => guard(() => disk.store.remove(id)),
  };
  const fetchThroughProcess = (input: string, init?: RequestInit) =>
    guard(() => {
      if (requestsLeft !== null) {
        if (requestsLeft <= 0) {
          alive = false;
          return Promise.reject(new Error('process crashed'));
        }
        requestsLeft -= 1;
      }
      return server.fetch(input, init);
    });
  const api = new ApiClient({ baseUrl: 'http://api.test', tokens: disk.tokens, fetch: fetchThroughProcess });
  const outbox = new Outbox({
    store,
    transport: createHttpOutboxTransport(api),
    media: disk.media,
    clock: { now: () => clock.now },
    isOnline: () => !server.net.down,
    canSend: (item) => item.ownerId === testUser.id,
    random,
  });
  return {
    outbox,
    crashAfter(requests: number) {
      requestsLeft = requests;
    },
    get alive() {
      return alive;
    },
  };
}

interface Disk {
  store: ReturnType<typeof createMemoryOutboxStore>;
  tokens: ReturnType<typeof createMemoryTokenVault>;
  media: ReturnType<typeof createFakeMedia>;
}

async function runScenario(actions: Action[], seed: number) {
  const server = new FakeRosinServer();
  const clock = { now: Date.UTC(2026, 10, 1) };
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const disk: Disk = {
    store: createMemoryOutboxStore(),
    tokens: createMemoryTokenVault(server.issueTokens()),
    media: createFakeMedia(),
  };
  let app = startProcess(disk, server, clock, random);
  const saved = new Map<string, { sizeBytes: number | null; withSensors: boolean }>();

  const restart = async () => {
    await app.outbox.stop().catch(() => undefined);
    app = startProcess(disk, server, clock, random);
  };

  for (const step of actions) {
    switch (step.kind) {
      case 'save': {
        const id = `00000000-0000-4000-8000-${String(saved.size + 1).padStart(12, '0')}`;
        await app.outbox.enqueue({
          id,
          ownerId: testUser.id,
          draft: {
            focus: 'scales',
            startTs: new Date(clock.now - 60_000).toISOString(),
            endTs: new Date(clock.now).toISOString(),
            selfRating: 4,
            note: '',
            tagIds: [],
          },
          video: step.sizeBytes
            ? { filename: 'take.mp4', contentType: 'video/mp4', sizeBytes: step.sizeBytes }
            : null,
          sensors: step.withSensors ? { gyroscope: [{ t: 0, x: 0.1, y: 0, z: 0 }] } : null,
        });
        saved.set(id, step);
        break;
      }
      case 'send':
        await app.outbox.runOnce().catch(() => undefined);
        break;
      case 'networkDown':
        server.net.down = true;
        break;
      case 'networkUp':
        server.net.down = false;
        break;
      case 'dropConnectionAfter':
        server.net.dropAfter = step.requests;
        await app.outbox.runOnce().catch(() => undefined);
        server.net.dropAfter = null;
        break;
      case 'loseResponses':
        server.net.loseResponses = step.count;
        break;
      case 'serverErrors':
        server.net.serverErrors = step.count;
        break;
      case 'crashDuringSend':
        app.crashAfter(step.afterRequests);
        await app.outbox.runOnce().catch(() => undefined);
        await restart();
        break;
      case 'restart':
        await restart();
        break;
      case 'expireAccessToken':
        server.expireAccessTokens();
        break;
      case 'expireUploadUrls':
        server.expireUploadUrls();
        break;
      case 'toggleEtagExposure':
        server.net.exposeEtag = !server.net.exposeEtag;
        break;
      case 'retryFailed':
        for (const item of await disk.store.list()) {
          if (item.phase === 'failed') await app.outbox.retry(item.id);
        }
        break;
      case 'wait':
        clock.now += step.ms;
        break;
    }
  }

  // The network comes back for good; time passes; the outbox keeps going until it has nothing left.
  server.net.down = false;
  server.net.loseResponses = 0;
  server.net.serverErrors = 0;
  server.net.dropAfter = null;
  await restart();
  for (let round = 0; round < 20 && disk.store.snapshot().length > 0; round++) {
    clock.now += 10 * 60_000;
    await app.outbox.runOnce();
  }

  const leftovers: OutboxItem[] = disk.store.snapshot();
  expect(leftovers).toEqual([]);
  // 0 lost: every saved session is on the server, with its whole video and its sensors.
  for (const [id, save] of saved) {
    const session = server.sessions.get(id);
    expect(session).toBeDefined();
    if (save.sizeBytes) {
      const upload = server.uploads.get(session!.uploadId!);
      expect(upload?.completed).toBe(true);
      expect(upload?.confirmed.size).toBe(FakeRosinServer.partCount(save.sizeBytes));
      expect(session!.status).toBe('processing');
    }
    expect(server.sensors.has(id)).toBe(save.withSensors && save.sizeBytes !== null);
    expect(disk.media.removed.has(id)).toBe(true);
  }
  // 0 duplicated: nothing on the server that was not saved, nothing created twice.
  expect(server.sessions.size).toBe(saved.size);
  for (const count of server.creations.values()) expect(count).toBe(1);
}

describe('offline outbox (model-based)', () => {
  it('loses and duplicates no session across 1,000 random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 40 }), fc.integer(), (actions, seed) =>
        runScenario(actions, Math.abs(seed) + 1),
      ),
      { numRuns: 1000 },
    );
  }, 240_000);
});

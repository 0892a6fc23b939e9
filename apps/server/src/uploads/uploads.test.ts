import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorResponse } from '@rosin/contracts/errors';
import type { CreateSessionResponse, PracticeSessionDetail } from '@rosin/contracts/sessions';
import { UPLOAD_PART_SIZE_BYTES, type UploadPlan } from '@rosin/contracts/uploads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, WEBHOOK_SECRET } from '../../test/api-harness';
import { backends } from '../../test/backends';
import { practiceSessionBody, videoDeclaration } from '../../test/fixtures';
import type { AuthResponse } from '@rosin/contracts/auth';
import { etagFromContentMd5 } from '../storage/object-storage';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Three parts: 8 MiB, 8 MiB and a small last one. */
const VIDEO = randomBytes(2 * UPLOAD_PART_SIZE_BYTES + 123_457);

/** A deterministic PRNG so a failing cut pattern can be replayed (mulberry32). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(backends)('resumable uploads on $name', (backend) => {
  let api: ApiHarness;
  let student: AuthResponse;
  let workDir: string;

  beforeAll(async () => {
    api = await ApiHarness.start(backend);
    student = await api.register('student');
    workDir = await mkdtemp(join(tmpdir(), 'rosin-upload-test-'));
  });
  afterAll(async () => {
    await api.close();
    await rm(workDir, { recursive: true, force: true });
  });

  async function createWithVideo(bytes: Uint8Array, overrides: Record<string, unknown> = {}) {
    const response = await api.request<CreateSessionResponse>('POST', '/sessions', {
      token: student.accessToken,
      body: practiceSessionBody({ id: randomUUID(), video: videoDeclaration(bytes), ...overrides }),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return { session: response.body.session, plan: response.body.upload! };
  }

  const plan = async (id: string) =>
    (await api.request<UploadPlan>('GET', `/uploads/${id}`, { token: student.accessToken })).body;

  const complete = (uploadPlan: UploadPlan, parts = allParts(uploadPlan)) =>
    api.request<UploadPlan | ErrorResponse>('POST', `/uploads/${uploadPlan.id}/complete`, {
      token: student.accessToken,
      body: { parts },
    });

  function allParts(uploadPlan: UploadPlan) {
    return uploadPlan.parts.map((part) => ({
      partNumber: part.partNumber,
      etag: etagFromContentMd5(part.headers['Content-MD5']!),
    }));
  }

  async function storedBytes(objectKeyOfSession: string): Promise<Buffer> {
    const path = join(workDir, randomUUID());
    await api.backend.storage.downloadToFile(objectKeyOfSession, path);
    return readFile(path);
  }

  async function uploadRowsOf(sessionId: string) {
    return api.backend.db.asSystem(async (tx) => ({
      uploads: await tx
        .selectFrom('uploads')
        .select(['object_key', 'status'])
        .where('session_id', '=', sessionId)
        .execute(),
      videos: await tx.selectFrom('videos').select(['s3_key']).where('session_id', '=', sessionId).execute(),
      events: await tx
        .selectFrom('outbox_events')
        .select('id')
        .where('aggregate_id', '=', sessionId)
        .where('event_type', '=', 'video.uploaded')
        .execute(),
    }));
  }

  it('plans 8 MiB parts signed for their checksums', async () => {
    const { session, plan: uploadPlan } = await createWithVideo(VIDEO);
    expect(session.status).toBe('awaiting_upload');
    expect(uploadPlan).toMatchObject({
      status: 'pending',
      partCount: 3,
      partSizeBytes: UPLOAD_PART_SIZE_BYTES,
    });
    expect(uploadPlan.sizeBytes).toBe(VIDEO.length);
    expect(uploadPlan.parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);
    expect(uploadPlan.parts.every((part) => part.method === 'PUT' && part.headers['Content-MD5'])).toBe(true);
    expect(uploadPlan.completeUrl).toBe(`/uploads/${uploadPlan.id}/complete`);
  });

  it('resumes uploads cut at random parts 20 times: every object byte-identical, one object per session', async () => {
    const random = prng(20261124);
    for (let round = 0; round < 20; round += 1) {
      const { session, plan: first } = await createWithVideo(VIDEO);
      // Before the cut: each part is sent and confirmed, sent with its confirmation lost, or never sent.
      const sent = first.parts.filter(() => random() < 0.5).map((part) => part.partNumber);
      const unconfirmed = sent.filter(() => random() < 0.3);
      await api.uploadParts(student.accessToken, first, VIDEO, {
        only: sent.filter((n) => !unconfirmed.includes(n)),
      });
      await api.uploadParts(student.accessToken, first, VIDEO, { only: unconfirmed, confirm: false });

      // After the cut the phone asks what is left and sends only that.
      const resumed = await plan(first.id);
      const confirmed = sent.filter((n) => !unconfirmed.includes(n)).sort();
      expect(resumed.confirmedParts.map((part) => part.partNumber)).toEqual(confirmed);
      expect(resumed.parts.map((part) => part.partNumber)).toEqual(
        [1, 2, 3].filter((n) => !confirmed.includes(n)),
      );
      await api.uploadParts(student.accessToken, resumed, VIDEO);
      const done = await complete(first);
      expect(done.status, JSON.stringify(done.body)).toBe(200);

      const rows = await uploadRowsOf(session.id);
      expect(rows.uploads).toHaveLength(1);
      expect(rows.videos).toEqual([{ s3_key: rows.uploads[0]!.object_key }]);
      expect(rows.events).toHaveLength(1);
      expect(sha256(await storedBytes(rows.videos[0]!.s3_key))).toBe(sha256(VIDEO));
    }
  }, 240_000);

  it('names missing parts (409) and wrong ones (400), keeps the rest, and completes once when whole', async () => {
    const { session, plan: uploadPlan } = await createWithVideo(VIDEO);
    await api.uploadParts(student.accessToken, uploadPlan, VIDEO, { only: [1, 3] });

    const missing = await complete(uploadPlan);
    expect(missing.status).toBe(409);
    expect(missing.body).toMatchObject({
      error: { code: 'UPLOAD_INCOMPLETE', details: [{ path: 'parts.2' }] },
    });

    const wrongEtag = await complete(uploadPlan, [
      ...allParts(uploadPlan).filter((part) => part.partNumber !== 3),
      { partNumber: 3, etag: '"00000000000000000000000000000000"' },
    ]);
    expect(wrongEtag.status).toBe(400);
    expect(wrongEtag.body).toMatchObject({
      error: { code: 'CHECKSUM_MISMATCH', details: [{ path: 'parts.3' }] },
    });

    const confirmWrong = await api.request<ErrorResponse>('PUT', `/uploads/${uploadPlan.id}/parts/2`, {
      token: student.accessToken,
      body: { etag: '"ffffffffffffffffffffffffffffffff"' },
    });
    expect(confirmWrong.status).toBe(400);
    expect(confirmWrong.body.error.code).toBe('CHECKSUM_MISMATCH');

    // Still resumable: only part 2 is asked for.
    const resumed = await plan(uploadPlan.id);
    expect(resumed.parts.map((part) => part.partNumber)).toEqual([2]);
    await api.uploadParts(student.accessToken, resumed, VIDEO);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const done = await complete(uploadPlan);
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ status: 'completed', parts: [] });
    }
    const rows = await uploadRowsOf(session.id);
    expect(rows.events).toHaveLength(1);
    expect(rows.videos).toHaveLength(1);
    const detail = await api.request<PracticeSessionDetail>('GET', `/sessions/${session.id}`, {
      token: student.accessToken,
    });
    expect(detail.body.status).toBe('processing');
    expect(detail.body.video).toEqual({ hlsUrl: null, thumbnailUrl: null, durationS: null });
  });

  it('answers 50 concurrent replays of one POST /sessions with one session and one upload', async () => {
    const id = randomUUID();
    const body = practiceSessionBody({ id, video: videoDeclaration(VIDEO) });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        api.request<CreateSessionResponse>('POST', '/sessions', { token: student.accessToken, body }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(49);
    expect(new Set(answers.map((answer) => answer.body.upload?.id)).size).toBe(1);
    const rows = await uploadRowsOf(id);
    expect(rows.uploads).toHaveLength(1);

    // A replay after part 1 went up plans only what is missing.
    await api.uploadParts(student.accessToken, answers[0]!.body.upload!, VIDEO, { only: [1] });
    const replay = await api.request<CreateSessionResponse>('POST', '/sessions', {
      token: student.accessToken,
      body,
    });
    expect(replay.status).toBe(200);
    expect(replay.body.upload!.parts.map((part) => part.partNumber)).toEqual([2, 3]);
  });

  it('refuses bad declarations and bytes with clear 4xx, losing nothing', async () => {
    const tooFewChecksums = await api.request<ErrorResponse>('POST', '/sessions', {
      token: student.accessToken,
      body: practiceSessionBody({
        video: { ...videoDeclaration(VIDEO), partMd5s: ['1B2M2Y8AsgTpgAmY7PhCfg=='] },
      }),
    });
    expect(tooFewChecksums.status).toBe(400);
    expect(tooFewChecksums.body.error.details?.[0]?.path).toContain('partMd5s');

    const tooBig = await api.request<ErrorResponse>('POST', '/sessions', {
      token: student.accessToken,
      body: practiceSessionBody({ video: { ...videoDeclaration(VIDEO), sizeBytes: 3 * 1024 ** 3 } }),
    });
    expect(tooBig.status).toBe(400);

    const empty = await api.request<ErrorResponse>('POST', '/sessions', {
      token: student.accessToken,
      body: practiceSessionBody({ video: { ...videoDeclaration(VIDEO), sizeBytes: 0 } }),
    });
    expect(empty.status).toBe(400);

    // A 0-byte body for a part signed for 8 MiB: the store refuses it (S3 and the local store check the signed
    // length; the s3rver test server does not), and if a store took it, its ETag is not the declared one.
    const { plan: uploadPlan } = await createWithVideo(VIDEO);
    const part = uploadPlan.parts[0]!;
    const zero = await api.putToUrl(part.url, part.headers, Buffer.alloc(0));
    if (zero.status === 200) {
      const confirm = await api.request<ErrorResponse>('PUT', `/uploads/${uploadPlan.id}/parts/1`, {
        token: student.accessToken,
        body: { etag: zero.etag },
      });
      expect(confirm.status).toBe(400);
      expect(confirm.body.error.code).toBe('CHECKSUM_MISMATCH');
    } else {
      expect(zero.status).toBeGreaterThanOrEqual(400);
      expect(zero.status).toBeLessThan(500);
    }
    expect((await plan(uploadPlan.id)).confirmedParts).toEqual([]);
    expect((await complete(uploadPlan)).status).toBe(409);
  });

  it.skipIf(backend.name !== 'embedded')(
    'the local store refuses bytes that do not match the signed checksum',
    async () => {
      const { plan: uploadPlan } = await createWithVideo(VIDEO);
      const part = uploadPlan.parts[2]!;
      const corrupted = Buffer.from(VIDEO.subarray(2 * UPLOAD_PART_SIZE_BYTES));
      corrupted[0] = corrupted[0]! ^ 0xff;
      const response = await api.putToUrl(part.url, part.headers, corrupted);
      expect(response.status).toBe(400);
    },
  );

  it('refuses a video beyond the storage quota with 413 and creates nothing', async () => {
    const small = await ApiHarness.start(backend, { quotaBytes: 10_000 });
    try {
      const owner = await small.register('student');
      const id = randomUUID();
      const refused = await small.request<ErrorResponse>('POST', '/sessions', {
        token: owner.accessToken,
        body: practiceSessionBody({ id, video: videoDeclaration(randomBytes(20_000)) }),
      });
      expect(refused.status).toBe(413);
      expect(refused.body.error.code).toBe('QUOTA_EXCEEDED');
      expect((await small.request('GET', `/sessions/${id}`, { token: owner.accessToken })).status).toBe(404);
      const fits = await small.request('POST', '/sessions', {
        token: owner.accessToken,
        body: practiceSessionBody({ video: videoDeclaration(randomBytes(9_000)) }),
      });
      expect(fits.status).toBe(201);
    } finally {
      await small.close();
    }
  });

  it('records an upload completed at the store via the webhook once, whichever path comes first', async () => {
    const { session, plan: uploadPlan } = await createWithVideo(VIDEO);
    await api.uploadParts(student.accessToken, uploadPlan, VIDEO);
    // The server completed at the store and crashed before recording it.
    const row = await api.backend.db.asSystem((tx) =>
      tx
        .selectFrom('uploads')
        .select(['object_key', 'storage_upload_id'])
        .where('id', '=', uploadPlan.id)
        .executeTakeFirstOrThrow(),
    );
    await api.backend.storage.completeMultipartUpload({
      key: row.object_key,
      storageUploadId: row.storage_upload_id!,
      parts: allParts(uploadPlan),
    });
    const notification = {
      Records: [
        { eventName: 'ObjectCreated:CompleteMultipartUpload', s3: { object: { key: row.object_key } } },
      ],
    };
    const refused = await api.app.inject({
      method: 'POST',
      url: '/webhooks/storage',
      headers: { authorization: 'Bearer wrong-secret' },
      payload: notification,
    });
    expect(refused.statusCode).toBe(401);

    const webhook = () =>
      api.app.inject({
        method: 'POST',
        url: '/webhooks/storage',
        headers: { authorization: `Bearer ${WEBHOOK_SECRET}` },
        payload: notification,
      });
    expect((await webhook()).json()).toEqual({ recorded: 1 });
    expect((await webhook()).json()).toEqual({ recorded: 0 });
    expect((await complete(uploadPlan)).status).toBe(200);
    const rows = await uploadRowsOf(session.id);
    expect(rows.events).toHaveLength(1);
    expect(rows.videos).toHaveLength(1);
    expect(rows.uploads).toEqual([{ object_key: row.object_key, status: 'completed' }]);
  });

  it('accepts a gyroscope file for the owner, refuses invalid and oversized ones', async () => {
    const { session } = await createWithVideo(VIDEO);
    const url = `/sessions/${session.id}/sensors`;
    const valid = await api.request<{ hasSensors: boolean }>('POST', url, {
      token: student.accessToken,
      body: {
        gyroscope: [
          { t: 0, x: 0.01, y: -0.02, z: 0.7 },
          { t: 0.01, x: 0.02, y: -0.01, z: 0.69 },
        ],
      },
    });
    expect(valid.status).toBe(200);
    expect(valid.body.hasSensors).toBe(true);
    const invalid = await api.request<ErrorResponse>('POST', url, {
      token: student.accessToken,
      body: { gyroscope: [{ t: -1, x: 'fast' }] },
    });
    expect(invalid.status).toBe(400);
    const huge = await api.request<ErrorResponse>('POST', url, {
      token: student.accessToken,
      body: {
        gyroscope: Array.from({ length: 150_000 }, (_, i) => ({
          t: i / 100,
          x: 0.123456789,
          y: 0.123456789,
          z: 0.123456789,
        })),
      },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

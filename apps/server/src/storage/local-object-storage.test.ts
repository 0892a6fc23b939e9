import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../auth/access-tokens';
import { randomSecrets } from '../crypto/keys';
import { registerAuthentication } from '../http/authenticate';
import { registerErrorHandling } from '../http/error-handler';
import { LocalObjectStorage } from './local-object-storage';
import { registerObjectStorageRoutes } from './local-storage-routes';
import { deriveLocalStorageSigningKey } from './local-url-signing';
import { contentMd5Base64, etagFromContentMd5, newObjectKey } from './object-storage';
import { describeObjectStorageContract, putPart } from './object-storage-contract';

interface LocalServer {
  storage: LocalObjectStorage;
  app: FastifyInstance;
  dataDir: string;
  signingKey: Buffer;
  baseUrl: string;
  close(): Promise<void>;
}

/** A storage whose routes are mounted on a Fastify instance listening on 127.0.0.1, as in the API. */
async function startLocalServer(): Promise<LocalServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rosin-local-storage-'));
  const secrets = randomSecrets();
  const signingKey = deriveLocalStorageSigningKey(secrets);
  let baseUrl = '';
  const storage = new LocalObjectStorage({ dataDir, publicUrl: () => baseUrl, signingKey });
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app);
  // The API's authentication hook: the storage routes must be public (the token is the credential).
  registerAuthentication(app, new AccessTokens(secrets.jwtSecret));
  await registerObjectStorageRoutes(app, storage);
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    storage,
    app,
    dataDir,
    signingKey,
    baseUrl,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describeObjectStorageContract('local files', startLocalServer, { lenientStore: false });

describe('LocalObjectStorage URLs and files', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer();
  });
  afterAll(() => server?.close());

  const forbidden = (message: RegExp) => ({
    error: { code: 'FORBIDDEN', message: expect.stringMatching(message) },
  });

  async function newUpload() {
    const key = newObjectKey('videos', 'mp4');
    const { storageUploadId } = await server.storage.createMultipartUpload(key, 'video/mp4');
    return { key, storageUploadId };
  }

  function partRequest(upload: { key: string; storageUploadId: string }, bytes: Buffer, partNumber = 1) {
    return {
      ...upload,
      partNumber,
      contentMd5Base64: contentMd5Base64(bytes),
      sizeBytes: bytes.length,
      expiresInSeconds: 60,
    };
  }

  it('refuses an expired part or read URL with 403 in the API error shape', async () => {
    const upload = await newUpload();
    const bytes = randomBytes(1024);
    const anHourAgo = new LocalObjectStorage({
      dataDir: server.dataDir,
      publicUrl: server.baseUrl,
      signingKey: server.signingKey,
      now: () => Date.now() - 3_600_000,
    });
    const expired = await anHourAgo.presignUploadPart(partRequest(upload, bytes));
    const put = await fetch(expired.url, { method: 'PUT', headers: expired.headers, body: bytes });
    expect(put.status).toBe(403);
    expect(await put.json()).toEqual(forbidden(/expired/));

    const key = newObjectKey('thumbnails', 'jpg');
    await server.storage.putObject(key, randomBytes(10), 'image/jpeg');
    const get = await fetch(await anHourAgo.presignGet(key, { expiresInSeconds: 60 }));
    expect(get.status).toBe(403);
    expect(await get.json()).toEqual(forbidden(/expired/));
  });

  it('refuses a tampered URL, a URL for another operation and one signed with another key', async () => {
    const upload = await newUpload();
    const bytes = randomBytes(1024);
    const presigned = await server.storage.presignUploadPart(partRequest(upload, bytes));
    const url = new URL(presigned.url);
    const [payload, mac] = url.searchParams.get('token')!.split('.') as [string, string];

    const withToken = (token: string) => {
      const copy = new URL(url);
      copy.searchParams.set('token', token);
      return copy;
    };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const otherPart = Buffer.from(JSON.stringify({ ...claims, partNumber: 2 })).toString('base64url');
    const flippedMac = `${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    const foreign = new LocalObjectStorage({
      dataDir: server.dataDir,
      publicUrl: server.baseUrl,
      signingKey: randomBytes(32),
    });
    const foreignUrl = new URL((await foreign.presignUploadPart(partRequest(upload, bytes))).url);
    const readUrl = new URL(await server.storage.presignGet(upload.key, { expiresInSeconds: 60 }));

    const refused = [
      withToken(`${otherPart}.${mac}`),
      withToken(`${payload}.${flippedMac}`),
      withToken(payload),
      withToken(''),
      foreignUrl,
      withToken(readUrl.searchParams.get('token')!),
    ];
    for (const target of refused) {
      const response = await fetch(target, { method: 'PUT', headers: presigned.headers, body: bytes });
      expect(response.status, target.toString()).toBe(403);
      expect(await response.json()).toEqual(forbidden(/invalid/));
    }
    const partTokenAsRead = new URL(readUrl);
    partTokenAsRead.searchParams.set('token', url.searchParams.get('token')!);
    const partUrlAsRead = await fetch(partTokenAsRead);
    expect(partUrlAsRead.status).toBe(403);
    await partUrlAsRead.arrayBuffer();

    // The genuine URL still works: nothing above touched the upload.
    const response = await fetch(presigned.url, { method: 'PUT', headers: presigned.headers, body: bytes });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(etagFromContentMd5(contentMd5Base64(bytes)));
  });

  it('refuses a body of another length than signed, keeping nothing', async () => {
    const upload = await newUpload();
    const bytes = randomBytes(4096);
    const shorter = await putPart(
      server.storage,
      { ...upload, partNumber: 1, bytes: bytes.subarray(0, 4000) },
      { signedBytes: bytes },
    );
    expect(shorter.status).toBe(400);
    expect(((await shorter.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    const longer = await putPart(
      server.storage,
      { ...upload, partNumber: 1, bytes: Buffer.concat([bytes, randomBytes(10)]) },
      { signedBytes: bytes },
    );
    expect(longer.status).toBe(413);
    expect(((await longer.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await readdir(server.storage.uploadDir(upload.storageUploadId))).toEqual(['upload.json']);
  });

  it('takes a part sent in chunks, and cuts off a chunked body longer than signed', async () => {
    const upload = await newUpload();
    const bytes = randomBytes(300_000);
    const presigned = await server.storage.presignUploadPart(partRequest(upload, bytes));
    const streamed = (body: Buffer) => ({
      method: 'PUT',
      headers: { ...presigned.headers, 'content-type': 'video/mp4' },
      body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]),
      duplex: 'half' as const,
    });

    const accepted = await fetch(presigned.url, streamed(bytes));
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('etag')).toBe(etagFromContentMd5(contentMd5Base64(bytes)));

    const tooLong = await fetch(presigned.url, streamed(Buffer.concat([bytes, randomBytes(4_000_000)])));
    expect(tooLong.status).toBe(413);
    // The rest of that body is never read: the server closes the connection instead of hanging on it.
    expect(tooLong.headers.get('connection')).toBe('close');
    await tooLong.arrayBuffer();
    const etag = etagFromContentMd5(contentMd5Base64(bytes));
    const info = await server.storage.completeMultipartUpload({
      ...upload,
      parts: [{ partNumber: 1, etag }],
    });
    expect(info.sizeBytes).toBe(bytes.length);
  });

  it('stages parts per upload, assembles atomically and leaves no staging or temp files', async () => {
    const upload = await newUpload();
    const bytes = randomBytes(2048);
    expect((await putPart(server.storage, { ...upload, partNumber: 1, bytes })).status).toBe(200);
    expect((await readdir(server.storage.uploadDir(upload.storageUploadId))).sort()).toEqual([
      '1.part',
      'upload.json',
    ]);

    await server.storage.completeMultipartUpload({
      ...upload,
      parts: [{ partNumber: 1, etag: etagFromContentMd5(contentMd5Base64(bytes)) }],
    });
    expect(await readdir(join(server.dataDir, 'multipart'))).not.toContain(upload.storageUploadId);
    const folder = join(server.dataDir, 'objects', ...upload.key.split('/').slice(0, -1));
    const file = upload.key.split('/').at(-1)!;
    expect((await readdir(folder)).sort()).toEqual([file, `${file}.meta.json`]);
  });

  it('serves objects so that a browser never runs them, and 404s a deleted one', async () => {
    const key = newObjectKey('thumbnails', 'html');
    await server.storage.putObject(key, Buffer.from('<script>alert(1)</script>'), 'text/html');
    const url = await server.storage.presignGet(key, { expiresInSeconds: 60 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(response.headers.get('cache-control')).toMatch(/^private, max-age=(59|60)$/);
    await response.arrayBuffer();

    await server.storage.deleteObject(key);
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('keeps object keys inside the data directory', async () => {
    for (const key of [
      '../escape.mp4',
      'videos/../../x',
      '.hidden/x',
      'videos//x',
      '/abs',
      'a/b.meta.json',
    ]) {
      await expect(server.storage.putObject(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(TypeError);
    }
  });
});

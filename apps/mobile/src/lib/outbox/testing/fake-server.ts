import { CreateSessionRequest, SensorFile } from '@rosin/contracts/sessions';
import { uploadPartCount } from '@rosin/contracts/uploads';
import SparkMD5 from 'spark-md5';
import { bytesToBase64, hexToBytes } from '../../media/base64';

/**
 * An in-memory Rosin server for the outbox tests: sessions keyed by client id (idempotent create, like the real
 * one), multipart uploads with signed part URLs that can expire, tokens that can expire and refresh tokens that
 * rotate. It speaks HTTP through `fetch` so the code under test is the real ApiClient + HTTP transport.
 */
interface StoredUpload {
  id: string;
  sessionId: string;
  partMd5s: string[];
  received: Map<number, string>;
  confirmed: Map<number, string>;
  completed: boolean;
}

interface StoredSession {
  id: string;
  body: CreateSessionRequest;
  status: 'awaiting_upload' | 'processing';
  uploadId: string | null;
  createdAt: string;
}

export interface NetworkConditions {
  /** No connectivity: every request fails before reaching the server. */
  down: boolean;
  /** The next n answers (not auth) are lost after the server committed them. */
  loseResponses: number;
  /** The next n requests answer 503 without doing anything. */
  serverErrors: number;
  /** After this many more requests the connection drops (request not delivered); null = never. */
  dropAfter: number | null;
  /** Whether part PUTs expose the ETag header (browsers may not see S3's). */
  exposeEtag: boolean;
}

export class FakeRosinServer {
  readonly sessions = new Map<string, StoredSession>();
  readonly uploads = new Map<string, StoredUpload>();
  readonly sensors = new Map<string, SensorFile>();
  /** How many times each id was created anew (201): more than 1 would be a duplicate. */
  readonly creations = new Map<string, number>();
  readonly net: NetworkConditions = {
    down: false,
    loseResponses: 0,
    serverErrors: 0,
    dropAfter: null,
    exposeEtag: true,
  };
  requestCount = 0;
  private accessTokens = new Set<string>();
  private refreshToken = '';
  private tokenSerial = 0;
  private urlEpoch = 0;
  private uploadSerial = 0;

  /** A signed-in pair for the one test user. */
  issueTokens() {
    this.tokenSerial += 1;
    const accessToken = `access-${this.tokenSerial}`;
    this.accessTokens.add(accessToken);
    this.refreshToken = `refresh-${this.tokenSerial}`;
    return {
      accessToken,
      refreshToken: this.refreshToken,
      accessTokenExpiresAt: new Date(Date.UTC(2030, 0, 1)).toISOString(),
    };
  }

  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  expireUploadUrls(): void {
    this.urlEpoch += 1;
  }

  readonly fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input);
    const isAuth = url.pathname.startsWith('/auth/');
    if (this.net.down) throw new TypeError('Failed to fetch');
    if (this.net.dropAfter !== null) {
      if (this.net.dropAfter <= 0) throw new TypeError('Network connection was lost');
      this.net.dropAfter -= 1;
    }
    this.requestCount += 1;
    if (this.net.serverErrors > 0 && !isAuth) {
      this.net.serverErrors -= 1;
      return json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'Try again' } });
    }
    const response = this.handle(init.method ?? 'GET', url, headersOf(init), init.body);
    if (this.net.loseResponses > 0 && !isAuth) {
      this.net.loseResponses -= 1;
      throw new TypeError('Network connection was lost');
    }
    return response;
  };

  private handle(method: string, url: URL, headers: Record<string, string>, body: unknown): Response {
    const path = url.pathname;
    if (url.host === 'store.test') return this.receivePart(url, headers, body);
    if (method === 'POST' && path === '/auth/refresh') {
      const { refreshToken } = JSON.parse(String(body)) as { refreshToken: string };
      if (refreshToken !== this.refreshToken) return error(401, 'REFRESH_TOKEN_REUSED', 'Spent');
      return json(200, { ...this.issueTokens(), user: testUser });
    }
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (!token || !this.accessTokens.has(token)) return error(401, 'TOKEN_EXPIRED', 'Expired');

    let match: RegExpExecArray | null;
    if (method === 'POST' && path === '/sessions') return this.createSession(JSON.parse(String(body)));
    if (method === 'POST' && (match = /^\/sessions\/([^/]+)\/sensors$/.exec(path))) {
      const session = this.sessions.get(match[1]!);
      if (!session) return error(404, 'NOT_FOUND', 'No session');
      if (session.status !== 'awaiting_upload') return error(409, 'CONFLICT', 'Upload already complete');
      this.sensors.set(session.id, SensorFile.parse(JSON.parse(String(body))));
      return json(204, null);
    }
    if (method === 'GET' && (match = /^\/uploads\/([^/]+)$/.exec(path))) {
      const upload = this.uploads.get(match[1]!);
      return upload ? json(200, this.plan(upload)) : error(404, 'NOT_FOUND', 'No upload');
    }
    if (method === 'PUT' && (match = /^\/uploads\/([^/]+)\/parts\/(\d+)$/.exec(path))) {
      const upload = this.uploads.get(match[1]!);
      if (!upload) return error(404, 'NOT_FOUND', 'No upload');
      const partNumber = Number(match[2]);
      const { etag } = JSON.parse(String(body)) as { etag: string };
      const received = upload.received.get(partNumber);
      if (!received) return error(400, 'UPLOAD_INCOMPLETE', 'Part not received');
      if (etag !== received) return error(400, 'CHECKSUM_MISMATCH', 'Wrong ETag');
      upload.confirmed.set(partNumber, etag);
      return json(200, this.plan(upload));
    }
    if (method === 'POST' && (match = /^\/uploads\/([^/]+)\/complete$/.exec(path))) {
      const upload = this.uploads.get(match[1]!);
      if (!upload) return error(404, 'NOT_FOUND', 'No upload');
      const session = this.sessions.get(upload.sessionId)!;
      if (!upload.completed) {
        const { parts } = JSON.parse(String(body)) as { parts: { partNumber: number; etag: string }[] };
        const complete =
          parts.length === upload.partMd5s.length &&
          parts.every((part) => upload.confirmed.get(part.partNumber) === part.etag);
        if (!complete) return error(400, 'UPLOAD_INCOMPLETE', 'Parts missing');
        upload.completed = true;
        session.status = 'processing';
      }
      return json(200, this.sessionJson(session));
    }
    return error(404, 'NOT_FOUND', `${method} ${path}`);
  }

  private createSession(raw: unknown): Response {
    const parsed = CreateSessionRequest.safeParse(raw);
    if (!parsed.success) return error(400, 'VALIDATION_FAILED', parsed.error.message);
    const body = parsed.data;
    const id = body.id!;
    let session = this.sessions.get(id);
    const created = !session;
    if (!session) {
      session = {
        id,
        body,
        status: body.video ? 'awaiting_upload' : 'processing',
        uploadId: null,
        createdAt: new Date(0).toISOString(),
      };
      if (body.video) {
        this.uploadSerial += 1;
        const uploadId = `00000000-0000-4000-9000-${String(this.uploadSerial).padStart(12, '0')}`;
        session.uploadId = uploadId;
        this.uploads.set(uploadId, {
          id: uploadId,
          sessionId: id,
          partMd5s: body.video.partMd5s,
          received: new Map(),
          confirmed: new Map(),
          completed: false,
        });
      }
      this.sessions.set(id, session);
      this.creations.set(id, (this.creations.get(id) ?? 0) + 1);
    }
    const upload = session.uploadId ? this.uploads.get(session.uploadId)! : null;
    return json(created ? 201 : 200, {
      session: this.sessionJson(session),
      upload: upload && !upload.completed ? this.plan(upload) : null,
    });
  }

  private receivePart(url: URL, headers: Record<string, string>, body: unknown): Response {
    const upload = this.uploads.get(url.searchParams.get('upload') ?? '');
    const partNumber = Number(url.searchParams.get('part'));
    if (!upload || Number(url.searchParams.get('epoch')) !== this.urlEpoch) {
      return error(403, 'FORBIDDEN', 'This link has expired; ask for a new one');
    }
    const bytes = body as Uint8Array;
    const md5 = bytesToBase64(hexToBytes(SparkMD5.ArrayBuffer.hash(bytes.slice().buffer as ArrayBuffer)));
    const declared = upload.partMd5s[partNumber - 1];
    if (headers['content-md5'] !== declared || md5 !== declared) {
      return error(400, 'CHECKSUM_MISMATCH', 'Bytes do not match the signed checksum');
    }
    const etag = `"${SparkMD5.ArrayBuffer.hash(bytes.slice().buffer as ArrayBuffer)}"`;
    upload.received.set(partNumber, etag);
    return new Response(null, { status: 200, headers: this.net.exposeEtag ? { etag } : {} });
  }

  private plan(upload: StoredUpload) {
    const count = upload.partMd5s.length;
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !upload.confirmed.has(n));
    return {
      id: upload.id,
      sessionId: upload.sessionId,
      status: upload.completed ? 'completed' : 'pending',
      sizeBytes: count,
      partSizeBytes: 8 * 1024 * 1024,
      partCount: count,
      confirmedParts: [...upload.confirmed].map(([partNumber, etag]) => ({ partNumber, etag })),
      parts: upload.completed
        ? []
        : missing.map((partNumber) => ({
            partNumber,
            url: `http://store.test/part?upload=${upload.id}&part=${partNumber}&epoch=${this.urlEpoch}`,
            method: 'PUT',
            headers: { 'Content-MD5': upload.partMd5s[partNumber - 1]! },
          })),
      completeUrl: `/uploads/${upload.id}/complete`,
      urlsExpireAt: new Date(Date.UTC(2100, 0, 1)).toISOString(),
    };
  }

  private sessionJson(session: StoredSession) {
    const { body } = session;
    return {
      id: session.id,
      studentId: testUser.id,
      focus: body.focus,
      startTs: body.startTs,
      endTs: body.endTs,
      selfRating: body.selfRating,
      note: body.note,
      tagIds: body.tagIds,
      hasSensors: body.hasSensors,
      status: session.status,
      failureReason: null,
      createdAt: session.createdAt,
      updatedAt: session.createdAt,
    };
  }

  /** Every part count a declared video of `sizeBytes` has (for assertions). */
  static partCount(sizeBytes: number): number {
    return uploadPartCount(sizeBytes);
  }
}

export const testUser = {
  id: '00000000-0000-4000-8000-0000000000aa',
  email: 'ada@example.test',
  displayName: 'Ada',
  roles: ['student' as const],
  activeRole: 'student' as const,
  tz: 'UTC',
  createdAt: new Date(0).toISOString(),
};

function headersOf(init: RequestInit): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries((init.headers as Record<string, string> | undefined) ?? {})) {
    out[key.toLowerCase()] = value;
  }
  return out;
}

function json(status: number, body: unknown): Response {
  return new Response(status === 204 || body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function error(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message } });
}

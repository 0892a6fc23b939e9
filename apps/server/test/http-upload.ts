import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { AuthResponse } from '@rosin/contracts/auth';
import type { CreateSessionResponse, PracticeSessionDetail, SessionStatus } from '@rosin/contracts/sessions';
import { UPLOAD_PART_SIZE_BYTES, uploadPartRange, type UploadPlan } from '@rosin/contracts/uploads';
import { etagFromContentMd5 } from '../src/storage/object-storage';
import { practiceSessionBody } from './fixtures';

/**
 * A phone's side of a video upload over real HTTP (fetch), for process-level tests and benchmarks against a
 * running server: register, declare the video, PUT the parts to the plan's URLs, confirm them, complete, and
 * wait for the pipeline. Files are read part by part, never whole, so a 300 MB upload costs this process a
 * few parts of memory.
 */

export interface JsonResponse<T> {
  status: number;
  body: T;
}

export async function requestJson<T>(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function registerStudent(baseUrl: string): Promise<AuthResponse> {
  const response = await requestJson<AuthResponse>(baseUrl, 'POST', '/auth/register', {
    body: {
      email: `student-${randomBytes(4).toString('hex')}@example.test`,
      password: 'correct horse battery staple',
      displayName: 'student',
      role: 'student',
    },
  });
  if (response.status !== 201) throw new Error(`register failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

export interface FileDigests {
  sizeBytes: number;
  /** Base64 MD5 of each 8 MiB part, as the `video` declaration carries them. */
  partMd5s: string[];
  /** Hex SHA-256 of the whole file. */
  sha256: string;
}

/** Part MD5s and the whole file's SHA-256 in one streaming read. */
export async function digestFile(path: string): Promise<FileDigests> {
  const whole = createHash('sha256');
  const partMd5s: string[] = [];
  let part = createHash('md5');
  let inPart = 0;
  let sizeBytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    sizeBytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, UPLOAD_PART_SIZE_BYTES - inPart);
      part.update(chunk.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === UPLOAD_PART_SIZE_BYTES) {
        partMd5s.push(part.digest('base64'));
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0 || partMd5s.length === 0) partMd5s.push(part.digest('base64'));
  return { sizeBytes, partMd5s, sha256: whole.digest('hex') };
}

/** POST /sessions declaring this file as the session's video; answers the session and its upload plan. */
export async function createSessionWithVideo(
  baseUrl: string,
  token: string,
  digests: FileDigests,
): Promise<{ sessionId: string; plan: UploadPlan }> {
  const created = await requestJson<CreateSessionResponse>(baseUrl, 'POST', '/sessions', {
    token,
    body: practiceSessionBody({
      video: {
        filename: 'practice.mp4',
        contentType: 'video/mp4',
        sizeBytes: digests.sizeBytes,
        partMd5s: digests.partMd5s,
      },
    }),
  });
  if (created.status !== 201 || !created.body.upload) {
    throw new Error(`POST /sessions failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  return { sessionId: created.body.session.id, plan: created.body.upload };
}

/**
 * PUTs every part of the plan from `path` to its presigned URL (`concurrency` at a time) with its signed
 * headers, then confirms it (`PUT /uploads/{id}/parts/{n}` with the ETag the store answered).
 */
export async function uploadPartsFromFile(
  baseUrl: string,
  token: string,
  plan: UploadPlan,
  path: string,
  concurrency = 4,
): Promise<void> {
  const file = await open(path, 'r');
  try {
    const queue = [...plan.parts];
    const sendNext = async (): Promise<void> => {
      for (let part = queue.shift(); part; part = queue.shift()) {
        const { start, end } = uploadPartRange(plan.sizeBytes, part.partNumber);
        const body = Buffer.allocUnsafe(end - start);
        const { bytesRead } = await file.read(body, 0, body.length, start);
        if (bytesRead !== body.length) throw new Error(`short read of part ${part.partNumber}`);
        const put = await fetch(part.url, { method: part.method, headers: part.headers, body });
        await put.arrayBuffer();
        if (put.status !== 200) throw new Error(`PUT part ${part.partNumber}: ${put.status}`);
        const etag = put.headers.get('etag') ?? etagFromContentMd5(part.headers['Content-MD5'] ?? '');
        const confirmed = await requestJson(baseUrl, 'PUT', `/uploads/${plan.id}/parts/${part.partNumber}`, {
          token,
          body: { etag },
        });
        if (confirmed.status !== 200) {
          throw new Error(`confirming part ${part.partNumber}: ${JSON.stringify(confirmed.body)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, sendNext));
  } finally {
    await file.close();
  }
}

/** POST the plan's complete URL listing every part with the ETag its checksum implies. */
export async function completeUpload(baseUrl: string, token: string, plan: UploadPlan): Promise<void> {
  const completed = await requestJson<UploadPlan>(baseUrl, 'POST', plan.completeUrl, {
    token,
    body: {
      parts: plan.parts.map((part) => ({
        partNumber: part.partNumber,
        etag: etagFromContentMd5(part.headers['Content-MD5'] ?? ''),
      })),
    },
  });
  if (completed.status !== 200) {
    throw new Error(`completing the upload: ${completed.status} ${JSON.stringify(completed.body)}`);
  }
}

export function getSession(
  baseUrl: string,
  token: string,
  sessionId: string,
): Promise<JsonResponse<PracticeSessionDetail>> {
  return requestJson<PracticeSessionDetail>(baseUrl, 'GET', `/sessions/${sessionId}`, { token });
}

/** Polls GET /sessions/{id} until its status is one of `statuses`; throws after `timeoutMs`. */
export async function waitForSessionStatus(
  baseUrl: string,
  token: string,
  sessionId: string,
  statuses: SessionStatus[],
  timeoutMs: number,
  pollMs = 250,
): Promise<PracticeSessionDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const session = await getSession(baseUrl, token, sessionId);
    if (session.status === 200 && statuses.includes(session.body.status)) return session.body;
    if (Date.now() > deadline) {
      throw new Error(
        `session ${sessionId} is still ${session.body.status} after ${timeoutMs} ms (wanted ${statuses.join('/')})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

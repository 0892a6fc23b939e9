import { randomBytes } from 'node:crypto';
import type { AuthResponse } from '@rosin/contracts/auth';
import { uploadPartRange, type UploadPlan } from '@rosin/contracts/uploads';
import type { Secrets } from '../src/crypto/keys';
import { buildApp } from '../src/http/app';
import type { ZodApp } from '../src/http/zod-app';
import { randomSecrets } from '../src/crypto/keys';
import { etagFromContentMd5 } from '../src/storage/object-storage';
import { TEST_PUBLIC_URL, type Backend, type OpenBackend } from './backends';

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A running app on one backend, driven through Fastify's inject (the full HTTP pipeline, no socket). */
export class ApiHarness {
  private constructor(
    readonly backend: OpenBackend,
    readonly app: ZodApp,
    readonly secrets: Secrets,
  ) {}

  static async start(
    backend: Backend,
    options: { authRateLimitPerMinute?: number; quotaBytes?: number } = {},
  ): Promise<ApiHarness> {
    const secrets = randomSecrets();
    const opened = await backend.open({ secrets });
    const app = await buildApp({
      db: opened.db,
      secrets,
      redis: opened.redis,
      redisKeyPrefix: opened.keyPrefix,
      authRateLimitPerMinute: options.authRateLimitPerMinute ?? 10_000,
      storage: opened.storage,
      uploads: { quotaBytes: options.quotaBytes ?? 20 * 1024 ** 3, urlTtlSeconds: 3600 },
      publicUrl: () => TEST_PUBLIC_URL,
      storageWebhookSecret: WEBHOOK_SECRET,
    });
    await app.ready();
    return new ApiHarness(opened, app, secrets);
  }

  async request<T = unknown>(method: Method, url: string, options: { token?: string; body?: unknown } = {}) {
    const response = await this.app.inject({
      method,
      url,
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
    const text = response.body;
    return {
      status: response.statusCode,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  async register(role: 'student' | 'teacher', name: string = role): Promise<AuthResponse> {
    const response = await this.request<AuthResponse>('POST', '/auth/register', {
      body: {
        email: `${name}-${randomBytes(4).toString('hex')}@example.test`,
        password: 'correct horse battery staple',
        displayName: name,
        role,
      },
    });
    if (response.status !== 201) throw new Error(`register failed: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** Links a student to a teacher through an invitation, as the app would. */
  async link(teacher: AuthResponse, student: AuthResponse): Promise<void> {
    const invitation = await this.request<{ code: string }>('POST', '/invitations', {
      token: teacher.accessToken,
      body: {},
    });
    const accepted = await this.request('POST', '/invitations/accept', {
      token: student.accessToken,
      body: { code: invitation.body.code },
    });
    if (accepted.status !== 200) throw new Error(`link failed: ${JSON.stringify(accepted.body)}`);
  }

  /**
   * Sends the bytes of the plan's parts (all missing ones, or `only` these) the way a phone does: a PUT to each
   * presigned URL with its signed headers — injected into this app for the local driver, over HTTP to the
   * S3-compatible server otherwise — then confirms each accepted part. Returns each part's PUT status.
   */
  async uploadParts(
    token: string,
    plan: UploadPlan,
    bytes: Uint8Array,
    options: { only?: number[]; confirm?: boolean } = {},
  ): Promise<Map<number, number>> {
    const statuses = new Map<number, number>();
    for (const part of plan.parts) {
      if (options.only && !options.only.includes(part.partNumber)) continue;
      const { start, end } = uploadPartRange(plan.sizeBytes, part.partNumber);
      const body = Buffer.from(bytes.subarray(start, end));
      const response = await this.putToUrl(part.url, part.headers, body);
      statuses.set(part.partNumber, response.status);
      if (response.status === 200 && options.confirm !== false) {
        const confirmed = await this.request('PUT', `/uploads/${plan.id}/parts/${part.partNumber}`, {
          token,
          body: { etag: response.etag ?? etagFromContentMd5(part.headers['Content-MD5'] ?? '') },
        });
        if (confirmed.status !== 200) throw new Error(`confirm failed: ${JSON.stringify(confirmed.body)}`);
      }
    }
    return statuses;
  }

  /** A PUT to a presigned URL: into this app when it is the local driver's, else over the network. */
  async putToUrl(url: string, headers: Record<string, string>, body: Buffer) {
    if (url.startsWith(TEST_PUBLIC_URL)) {
      const response = await this.app.inject({
        method: 'PUT',
        url: url.slice(TEST_PUBLIC_URL.length),
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        payload: body,
      });
      return { status: response.statusCode, etag: response.headers.etag as string | undefined };
    }
    const response = await fetch(url, { method: 'PUT', headers, body });
    await response.arrayBuffer();
    return { status: response.status, etag: response.headers.get('etag') ?? undefined };
  }

  /** GET of a signed URL (local driver: injected; S3: over the network). */
  async getUrl(url: string): Promise<{ status: number; body: Buffer; contentType?: string }> {
    if (url.startsWith(TEST_PUBLIC_URL)) {
      const response = await this.app.inject({ method: 'GET', url: url.slice(TEST_PUBLIC_URL.length) });
      return {
        status: response.statusCode,
        body: response.rawPayload,
        contentType: response.headers['content-type'] as string | undefined,
      };
    }
    const response = await fetch(url);
    return {
      status: response.status,
      body: Buffer.from(await response.arrayBuffer()),
      contentType: response.headers.get('content-type') ?? undefined,
    };
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.backend.close();
  }
}

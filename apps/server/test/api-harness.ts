import { randomBytes } from 'node:crypto';
import type { AuthResponse } from '@rosin/contracts/auth';
import type { Secrets } from '../src/crypto/keys';
import { buildApp } from '../src/http/app';
import type { ZodApp } from '../src/http/zod-app';
import { randomSecrets } from '../src/crypto/keys';
import type { Backend, OpenBackend } from './backends';

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
    options: { authRateLimitPerMinute?: number } = {},
  ): Promise<ApiHarness> {
    const opened = await backend.open();
    const secrets = randomSecrets();
    const app = await buildApp({
      db: opened.db,
      secrets,
      redis: opened.redis,
      redisKeyPrefix: opened.keyPrefix,
      authRateLimitPerMinute: options.authRateLimitPerMinute ?? 10_000,
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

  async close(): Promise<void> {
    await this.app.close();
    await this.backend.close();
  }
}

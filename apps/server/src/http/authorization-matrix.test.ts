import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness, type Method } from '../../test/api-harness';
import { backends } from '../../test/backends';
import type { CreateSessionResponse } from '@rosin/contracts/sessions';
import type { UploadPlan } from '@rosin/contracts/uploads';
import { randomBytes } from 'node:crypto';
import { practiceSessionBody, videoDeclaration } from '../../test/fixtures';
import { createCast, PRINCIPALS, type Cast, type PrincipalName } from '../../test/principals';

/**
 * The authorization table: every operation of the OpenAPI document × every principal → expected status.
 * Each endpoint joins it when it is added; the last test fails if one did not.
 *
 * A row's request is built per principal with valid input, so the status reflects authorization alone.
 */
interface Row {
  operation: `${Method} ${string}`;
  request: (ctx: {
    api: ApiHarness;
    cast: Cast;
    principal: PrincipalName;
  }) => Promise<{ url?: string; body?: unknown }>;
  expect: Record<PrincipalName, number>;
}

const everyone = (status: number): Record<PrincipalName, number> =>
  Object.fromEntries(PRINCIPALS.map((p) => [p, status])) as Record<PrincipalName, number>;
const signedIn = (status: number) => ({ ...everyone(status), anonymous: 401 });
const unique = () => Math.random().toString(36).slice(2, 10);
const PASSWORD = 'correct horse battery staple';
/** A fresh session of student A, addressed by its URL. */
async function sessionOfA({ api, cast }: { api: ApiHarness; cast: Cast }): Promise<string> {
  const created = await api.request<{ session: { id: string } }>('POST', '/sessions', {
    token: cast.studentA.accessToken,
    body: practiceSessionBody(),
  });
  return `/sessions/${created.body.session.id}`;
}

/** A fresh session of student A with a declared video (bytes not sent yet): its upload plan. */
async function uploadOfA({ api, cast }: { api: ApiHarness; cast: Cast }) {
  const bytes = randomBytes(4096);
  const created = await api.request<CreateSessionResponse>('POST', '/sessions', {
    token: cast.studentA.accessToken,
    body: practiceSessionBody({ video: videoDeclaration(bytes) }),
  });
  return { plan: created.body.upload as UploadPlan, bytes };
}

const rows: Row[] = [
  { operation: 'GET /healthz', request: async () => ({}), expect: everyone(200) },
  { operation: 'GET /readyz', request: async () => ({}), expect: everyone(200) },
  {
    operation: 'POST /auth/register',
    request: async () => ({
      body: {
        email: `new-${unique()}@example.test`,
        password: PASSWORD,
        displayName: 'New',
        role: 'student',
      },
    }),
    expect: everyone(201),
  },
  {
    operation: 'POST /auth/login',
    request: async ({ api }) => {
      const account = await api.register('student');
      return { body: { email: account.user.email, password: PASSWORD } };
    },
    expect: everyone(200),
  },
  {
    operation: 'POST /auth/refresh',
    request: async ({ api }) => ({ body: { refreshToken: (await api.register('student')).refreshToken } }),
    expect: everyone(200),
  },
  {
    operation: 'POST /auth/logout',
    request: async ({ api }) => ({ body: { refreshToken: (await api.register('student')).refreshToken } }),
    expect: everyone(204),
  },
  { operation: 'GET /me', request: async () => ({}), expect: signedIn(200) },
  {
    operation: 'POST /me/active-role',
    request: async () => ({ body: { role: 'student' } }),
    // The admin account was registered as a student, so it may switch back.
    expect: { ...signedIn(200), teacherOfA: 403, unlinkedTeacher: 403 },
  },
  {
    operation: 'POST /me/roles',
    request: async ({ principal }) => ({
      body: { role: principal.includes('eacher') ? 'teacher' : 'student' },
    }),
    expect: signedIn(200),
  },
  {
    operation: 'POST /invitations',
    request: async () => ({ body: {} }),
    expect: { ...signedIn(403), teacherOfA: 201, unlinkedTeacher: 201 },
  },
  {
    operation: 'POST /invitations/accept',
    // A throwaway teacher's code, so accepting does not change who is linked to whom in this table.
    request: async ({ api }) => {
      const teacher = await api.register('teacher');
      const invitation = await api.request<{ code: string }>('POST', '/invitations', {
        token: teacher.accessToken,
        body: {},
      });
      return { body: { code: invitation.body.code } };
    },
    expect: { ...signedIn(403), studentA: 200, studentB: 200 },
  },
  {
    operation: 'GET /students',
    request: async () => ({}),
    expect: { ...signedIn(403), teacherOfA: 200, unlinkedTeacher: 200 },
  },
  {
    operation: 'GET /teachers',
    request: async () => ({}),
    expect: { ...signedIn(403), studentA: 200, studentB: 200 },
  },
  {
    operation: 'POST /sessions',
    request: async () => ({ body: practiceSessionBody() }),
    expect: { ...signedIn(403), studentA: 201, studentB: 201 },
  },
  {
    operation: 'GET /sessions',
    // Teachers ask for student A; students for themselves.
    request: async ({ cast, principal }) => ({
      url: principal.includes('eacher') ? `/sessions?studentId=${cast.studentA.user.id}` : '/sessions',
    }),
    expect: { ...signedIn(200), unlinkedTeacher: 404, admin: 403 },
  },
  {
    operation: 'GET /sessions/{id}',
    request: async (ctx) => ({ url: await sessionOfA(ctx) }),
    // Admins read through their explicit policy.
    expect: { ...signedIn(200), studentB: 404, unlinkedTeacher: 404 },
  },
  {
    operation: 'PATCH /sessions/{id}',
    request: async (ctx) => ({ url: await sessionOfA(ctx), body: { note: 'edited' } }),
    expect: { ...signedIn(403), studentA: 200, studentB: 404, unlinkedTeacher: 404 },
  },
  {
    operation: 'POST /sessions/{id}/sensors',
    request: async (ctx) => ({
      url: `${await sessionOfA(ctx)}/sensors`,
      body: { gyroscope: [{ t: 0, x: 0.01, y: 0.02, z: 0.7 }] },
    }),
    expect: { ...signedIn(403), studentA: 200, studentB: 404 },
  },
  {
    operation: 'GET /uploads/{id}',
    request: async (ctx) => ({ url: `/uploads/${(await uploadOfA(ctx)).plan.id}` }),
    // Uploads are the owner's alone; admins read through their explicit policy.
    expect: { ...signedIn(404), studentA: 200, admin: 200 },
  },
  {
    operation: 'PUT /uploads/{id}/parts/{partNumber}',
    request: async (ctx) => {
      const { plan } = await uploadOfA(ctx);
      const md5 = plan.parts[0]!.headers['Content-MD5']!;
      return {
        url: `/uploads/${plan.id}/parts/1`,
        body: { etag: `"${Buffer.from(md5, 'base64').toString('hex')}"` },
      };
    },
    expect: { ...signedIn(404), studentA: 200, admin: 403 },
  },
  {
    operation: 'POST /uploads/{id}/complete',
    request: async (ctx) => {
      const { plan, bytes } = await uploadOfA(ctx);
      await ctx.api.uploadParts(ctx.cast.studentA.accessToken, plan, bytes);
      const md5 = plan.parts[0]!.headers['Content-MD5']!;
      return {
        url: `/uploads/${plan.id}/complete`,
        body: { parts: [{ partNumber: 1, etag: `"${Buffer.from(md5, 'base64').toString('hex')}"` }] },
      };
    },
    expect: { ...signedIn(404), studentA: 200, admin: 403 },
  },
  {
    operation: 'POST /webhooks/storage',
    // Only the shared secret opens the webhook: an access token is not it.
    request: async () => ({
      body: { Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: 'videos/x/y.mp4' } } }] },
    }),
    expect: everyone(401),
  },
  {
    operation: 'DELETE /sessions/{id}',
    request: async (ctx) => ({ url: await sessionOfA(ctx) }),
    expect: { ...signedIn(403), studentA: 204, studentB: 404, unlinkedTeacher: 404 },
  },
  {
    operation: 'GET /analytics/dash',
    // Teachers ask for student A; students for themselves.
    request: async ({ cast, principal }) => ({
      url: principal.includes('eacher')
        ? `/analytics/dash?studentId=${cast.studentA.user.id}`
        : '/analytics/dash',
    }),
    expect: { ...signedIn(200), unlinkedTeacher: 404, admin: 403 },
  },
];

describe.each(backends)('authorization table on $name', (backend) => {
  let api: ApiHarness;
  let cast: Cast;
  beforeAll(async () => {
    api = await ApiHarness.start(backend);
    cast = await createCast(api);
  });
  afterAll(() => api.close());

  describe.each(rows)('$operation', (row) => {
    it.each(PRINCIPALS)('as %s', async (principal) => {
      const [method, path] = row.operation.split(' ') as [Method, string];
      const built = await row.request({ api, cast, principal });
      const token = principal === 'anonymous' ? undefined : cast[principal].accessToken;
      const response = await api.request(method, built.url ?? path, { token, body: built.body });
      expect(response.status, JSON.stringify(response.body)).toBe(row.expect[principal]);
    });
  });

  it('has a row for every operation in the OpenAPI document', async () => {
    const document = await api.request<{ paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/docs/json',
    );
    const operations = Object.entries(document.body.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThan(10);
    const covered = new Set(rows.map((row) => row.operation));
    expect(operations.filter((operation) => !covered.has(operation as Row['operation']))).toEqual([]);
  });
});

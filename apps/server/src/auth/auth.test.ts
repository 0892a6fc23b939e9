import type { AuthResponse, User } from '@rosin/contracts/auth';
import type { ErrorResponse } from '@rosin/contracts/errors';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../../test/api-harness';
import { backends } from '../../test/backends';

describe.each(backends)('auth on $name', (backend) => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await ApiHarness.start(backend);
  });
  afterAll(() => api.close());

  const credentials = { email: 'Cellist@Example.test', password: 'a long enough password' };

  it('registers, signs in with any email casing and answers /me', async () => {
    const registered = await api.request<AuthResponse>('POST', '/auth/register', {
      body: { ...credentials, displayName: 'Cellist', role: 'student' },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.user).toMatchObject({
      email: 'Cellist@Example.test',
      roles: ['student'],
      activeRole: 'student',
    });

    const login = await api.request<AuthResponse>('POST', '/auth/login', {
      body: { email: ' cellist@example.TEST', password: credentials.password },
    });
    expect(login.status).toBe(200);
    const me = await api.request<User>('GET', '/me', { token: login.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(registered.body.user.id);
  });

  it('refuses a second account with the same email', async () => {
    const again = await api.request<ErrorResponse>('POST', '/auth/register', {
      body: {
        email: 'cellist@example.test',
        password: 'another password!',
        displayName: 'x',
        role: 'teacher',
      },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('EMAIL_TAKEN');
  });

  it('rejects a wrong password and an unknown email alike', async () => {
    for (const body of [
      { email: credentials.email, password: 'wrong password here' },
      { email: 'nobody@example.test', password: 'wrong password here' },
    ]) {
      const response = await api.request<ErrorResponse>('POST', '/auth/login', { body });
      expect(response.status).toBe(401);
      expect(response.body.error).toEqual({
        code: 'INVALID_CREDENTIALS',
        message: 'Email or password is wrong',
      });
    }
  });

  it('rotates refresh tokens and revokes the family when a spent one is replayed', async () => {
    const first = await api.register('student');
    const second = await api.request<AuthResponse>('POST', '/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);

    const third = await api.request<AuthResponse>('POST', '/auth/refresh', {
      body: { refreshToken: second.body.refreshToken },
    });
    expect(third.status).toBe(200);

    // An attacker replays the first (spent) token: refused, and the whole family dies.
    const replay = await api.request<ErrorResponse>('POST', '/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    const legit = await api.request<ErrorResponse>('POST', '/auth/refresh', {
      body: { refreshToken: third.body.refreshToken },
    });
    expect(legit.status).toBe(401);
    expect(legit.body.error.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const session = await api.register('student');
    const results = await Promise.all(
      [1, 2].map(() =>
        api.request('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('logs out by revoking the refresh token family', async () => {
    const session = await api.register('teacher');
    const logout = await api.request('POST', '/auth/logout', {
      body: { refreshToken: session.refreshToken },
    });
    expect(logout.status).toBe(204);
    const refresh = await api.request<ErrorResponse>('POST', '/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refresh.status).toBe(401);
  });

  it('switches the active role only to a role the user holds', async () => {
    const person = await api.register('student');
    const refused = await api.request<ErrorResponse>('POST', '/me/active-role', {
      token: person.accessToken,
      body: { role: 'teacher' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ROLE_NOT_HELD');

    const added = await api.request<User>('POST', '/me/roles', {
      token: person.accessToken,
      body: { role: 'teacher' },
    });
    expect(added.body.roles).toEqual(['student', 'teacher']);
    const switched = await api.request<AuthResponse>('POST', '/me/active-role', {
      token: person.accessToken,
      body: { role: 'teacher' },
    });
    expect(switched.status).toBe(200);
    expect(switched.body.user.activeRole).toBe('teacher');
    // The new access token carries the teacher role: teacher-only endpoints now answer.
    const students = await api.request('GET', '/students', { token: switched.body.accessToken });
    expect(students.status).toBe(200);
    // …and tokens refreshed from an older sign-in carry it too.
    const refreshed = await api.request<AuthResponse>('POST', '/auth/refresh', {
      body: { refreshToken: person.refreshToken },
    });
    expect(refreshed.body.user.activeRole).toBe('teacher');
    expect((await api.request('GET', '/students', { token: refreshed.body.accessToken })).status).toBe(200);

    const admin = await api.request<ErrorResponse>('POST', '/me/roles', {
      token: person.accessToken,
      body: { role: 'admin' },
    });
    expect(admin.status).toBe(400);
  });

  it('rejects forged, expired and wrongly signed access tokens', async () => {
    const person = await api.register('student');
    const forge = (secret: Uint8Array, claims: { iss?: string; aud?: string; exp?: number }) =>
      new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(person.user.id)
        .setIssuer(claims.iss ?? 'rosin')
        .setAudience(claims.aud ?? 'rosin-api')
        .setIssuedAt()
        .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 60)
        .sign(secret);
    const wrongKey = await forge(new Uint8Array(32).fill(7), {});
    const wrongAudience = await forge(api.secrets.jwtSecret, { aud: 'someone-else' });
    const expired = await forge(api.secrets.jwtSecret, { exp: Math.floor(Date.now() / 1000) - 10 });
    const payload = person.accessToken.split('.')[1];
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;

    for (const [token, code] of [
      [wrongKey, 'UNAUTHENTICATED'],
      [wrongAudience, 'UNAUTHENTICATED'],
      [expired, 'TOKEN_EXPIRED'],
      [unsigned, 'UNAUTHENTICATED'],
      ['not-a-token', 'UNAUTHENTICATED'],
    ] as const) {
      const response = await api.request<ErrorResponse>('GET', '/me', { token });
      expect(response.status, token).toBe(401);
      expect(response.body.error.code).toBe(code);
    }
  });

  it('validates input with field paths', async () => {
    const response = await api.request<ErrorResponse>('POST', '/auth/register', {
      body: { email: 'not-an-email', password: 'short', displayName: '', role: 'admin', extra: 1 },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    const paths = response.body.error.details?.map((d) => d.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining(['body.email', 'body.password', 'body.displayName', 'body.role']),
    );
  });
});

describe.each(backends)('auth rate limits on $name', (backend) => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await ApiHarness.start(backend, { authRateLimitPerMinute: 3 });
  });
  afterAll(() => api.close());

  it('answers 429 with Retry-After once the limit is spent', async () => {
    const attempt = () =>
      api.request<ErrorResponse>('POST', '/auth/login', {
        body: { email: 'x@example.test', password: 'whatever1234' },
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt()).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

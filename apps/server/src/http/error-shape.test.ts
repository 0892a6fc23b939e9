import type { ErrorResponse } from '@rosin/contracts/errors';
import { ErrorResponse as ErrorResponseSchema } from '@rosin/contracts/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from '../../test/api-harness';
import { backends } from '../../test/backends';

/** Deterministic pseudo-random generator, so a failing fuzz case can be replayed. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomJson(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 2 ? 5 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return [0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, 3.5][Math.floor(random() * 5)];
    case 3:
      return ['', 'x'.repeat(5000), '💥\u0000\uFFFF', 'ADMIN', 'a@b.c', "'; drop table users; --"][
        Math.floor(random() * 6)
      ];
    case 4:
      return 'student';
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth + 1));
    default: {
      const keys = [
        'email',
        'password',
        'displayName',
        'role',
        'refreshToken',
        'code',
        '__proto__',
        'constructor',
      ];
      return Object.fromEntries(
        keys.filter(() => random() < 0.5).map((key) => [key, randomJson(random, depth + 1)]),
      );
    }
  }
}

describe.each(backends)('error responses on $name', (backend) => {
  let api: ApiHarness;
  let token: string;
  beforeAll(async () => {
    api = await ApiHarness.start(backend);
    token = (await api.register('student')).accessToken;
  });
  afterAll(() => api.close());

  const raw = (method: 'GET' | 'POST', url: string, payload?: string, contentType = 'application/json') =>
    api.app.inject({
      method,
      url,
      headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    });

  it.each([
    ['malformed JSON', () => raw('POST', '/auth/login', '{"email":'), 400, 'INVALID_JSON'],
    ['an empty JSON body', () => raw('POST', '/auth/login', ''), 400, 'INVALID_JSON'],
    ['a JSON array', () => raw('POST', '/auth/login', '[]'), 400, 'VALIDATION_FAILED'],
    ['a text body', () => raw('POST', '/auth/login', 'hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'a 2 MiB body',
      () => raw('POST', '/auth/login', JSON.stringify({ email: 'x'.repeat(2 << 20) })),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['an unknown route', () => raw('GET', '/nope'), 404, 'NOT_FOUND'],
    ['a missing bearer token', () => api.app.inject({ method: 'GET', url: '/me' }), 401, 'UNAUTHENTICATED'],
  ] as const)('answers %s with the one error shape', async (_name, send, status, code) => {
    const response = await send();
    expect(response.statusCode).toBe(status);
    const body = ErrorResponseSchema.parse(JSON.parse(response.body)) as ErrorResponse;
    expect(body.error.code).toBe(code);
    expect(response.body).not.toMatch(/at .*\.ts:\d+|node_modules/); // no stack traces
  });

  it('never answers 5xx to any JSON a client can send', async () => {
    const random = mulberry32(20261124);
    const endpoints = [
      '/auth/register',
      '/auth/login',
      '/auth/refresh',
      '/auth/logout',
      '/me/active-role',
      '/me/roles',
      '/invitations',
      '/invitations/accept',
    ];
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      const url = endpoints[i % endpoints.length]!;
      const payload = JSON.stringify(randomJson(random));
      const response = await raw('POST', url, payload);
      if (response.statusCode >= 500)
        failures.push(`${url} ${payload.slice(0, 120)} → ${response.statusCode}`);
      else if (response.statusCode >= 400) ErrorResponseSchema.parse(JSON.parse(response.body));
    }
    expect(failures).toEqual([]);
  });
});

/**
 * @jest-environment node
 */
import { createMemoryTokenVault } from '../auth/token-vault.types';
import { ApiClient } from './api-client';
import { ApiError, NetworkError, SignedOutError } from './api-error';

const user = {
  id: '00000000-0000-4000-8000-0000000000aa',
  email: 'a@b.test',
  displayName: 'A',
  roles: ['student'],
  activeRole: 'student',
  tz: 'UTC',
  createdAt: '2026-01-01T00:00:00.000Z',
};

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('ApiClient', () => {
  it('refreshes an expired access token once for concurrent requests and retries them', async () => {
    let refreshes = 0;
    const fetch = jest.fn(async (url: string, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string>).authorization;
      if (url.endsWith('/auth/refresh')) {
        refreshes += 1;
        return json(200, {
          accessToken: 'fresh',
          refreshToken: 'r2',
          accessTokenExpiresAt: '2030-01-01T00:00:00.000Z',
          user,
        });
      }
      if (auth !== 'Bearer fresh') return json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } });
      return json(200, { ok: true });
    });
    const tokens = createMemoryTokenVault({
      accessToken: 'stale',
      refreshToken: 'r1',
      accessTokenExpiresAt: '2020-01-01T00:00:00.000Z',
    });
    const api = new ApiClient({ baseUrl: 'http://api.test/', tokens, fetch });
    const answers = await Promise.all([api.request('GET', '/a'), api.request('GET', '/b')]);
    expect(answers).toEqual([{ ok: true }, { ok: true }]);
    expect(refreshes).toBe(1);
    expect((await tokens.read())?.refreshToken).toBe('r2');
  });

  it('signs out when the refresh token is refused', async () => {
    const onSignedOut = jest.fn();
    const fetch = jest.fn(async (url: string) =>
      url.endsWith('/auth/refresh')
        ? json(401, { error: { code: 'REFRESH_TOKEN_REUSED', message: 'reused' } })
        : json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } }),
    );
    const tokens = createMemoryTokenVault({ accessToken: 'x', refreshToken: 'y', accessTokenExpiresAt: 'z' });
    const api = new ApiClient({ baseUrl: 'http://api.test', tokens, fetch, onSignedOut });
    await expect(api.request('GET', '/me')).rejects.toBeInstanceOf(SignedOutError);
    expect(onSignedOut).toHaveBeenCalled();
    expect(await tokens.read()).toBeNull();
  });

  it('tells network failures from server refusals', async () => {
    const tokens = createMemoryTokenVault({ accessToken: 'x', refreshToken: 'y', accessTokenExpiresAt: 'z' });
    const offline = new ApiClient({
      baseUrl: 'http://api.test',
      tokens,
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(offline.request('GET', '/me')).rejects.toBeInstanceOf(NetworkError);
    const refusing = new ApiClient({
      baseUrl: 'http://api.test',
      tokens,
      fetch: async () => json(409, { error: { code: 'CONFLICT', message: 'no' } }),
    });
    const error = await refusing.request('GET', '/me').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'CONFLICT', isTransient: false });
  });
});

import type { User } from '@rosin/contracts/auth';
import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react-native';
import type { ReactElement } from 'react';
import { AppProviders } from '../app-providers';
import type { FetchLike } from '../lib/api/api-client';
import { createMemoryTokenVault } from '../lib/auth/token-vault.types';
import type { VideoVault } from '../lib/media/video-vault.types';
import { createManualNetworkMonitor } from '../lib/network/network-monitor';
import { createMemoryOutboxStore } from '../lib/outbox/outbox-store.memory';
import { createAppServices } from '../services/app-services';
import { signedIn, signedOut } from '../state/session-slice';
import { createAppStore } from '../state/store';

export const testStudent: User = {
  id: '00000000-0000-4000-8000-0000000000aa',
  email: 'ada@example.test',
  displayName: 'Ada Student',
  roles: ['student'],
  activeRole: 'student',
  tz: 'UTC',
  createdAt: '2026-01-01T00:00:00.000Z',
};

/** JSON routes for a fake fetch: "METHOD /path" → [status, body] (or a function of the request body). */
export type Routes = Record<string, [number, unknown] | ((body: unknown) => [number, unknown])>;

export function fakeFetch(
  routes: Routes,
): FetchLike & { calls: { method: string; path: string; body: unknown }[] } {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetchImpl = async (input: string, init: RequestInit = {}) => {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, path: url.pathname + url.search, body });
    const route = routes[`${method} ${url.pathname}${url.search}`] ?? routes[`${method} ${url.pathname}`];
    if (!route) {
      return new Response(
        JSON.stringify({ error: { code: 'NOT_FOUND', message: `${method} ${url.pathname}` } }),
        {
          status: 404,
        },
      );
    }
    const [status, answer] = typeof route === 'function' ? route(body) : route;
    return new Response(answer === null ? null : JSON.stringify(answer), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return Object.assign(fetchImpl, { calls });
}

export function createFakeVideoVault(): VideoVault & { kept: Map<string, number> } {
  const kept = new Map<string, number>();
  return {
    kept,
    keep: async (id, video) => {
      const size = video.sizeBytes ?? 1000;
      kept.set(id, size);
      return size;
    },
    read: async (_id, start, end) => new Uint8Array(Math.max(0, Math.min(end - start, 64))),
    remove: async (id) => {
      kept.delete(id);
    },
  };
}

/** The app's services and store on fakes; signed in as `user` unless null. */
export function createTestApp(options: { routes?: Routes; user?: User | null; online?: boolean } = {}) {
  const fetch = fakeFetch(options.routes ?? {});
  const network = createManualNetworkMonitor(options.online ?? true);
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: { retry: false, gcTime: Infinity },
      mutations: { retry: false, gcTime: Infinity },
    },
  });
  let ids = 0;
  const user = options.user === undefined ? testStudent : options.user;
  const services = createAppServices({
    baseUrl: 'http://api.test',
    tokens: createMemoryTokenVault(
      user ? { accessToken: 'a', refreshToken: 'r', accessTokenExpiresAt: '2030-01-01T00:00:00.000Z' } : null,
      user,
    ),
    videos: createFakeVideoVault(),
    network,
    outboxStore: createMemoryOutboxStore(),
    uuid: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    registerForNotifications: async () => null,
    fetch,
    queryClient,
  });
  const store = createAppStore(services);
  if (user) {
    services.currentUser.value = user;
    store.dispatch(signedIn(user));
  } else {
    store.dispatch(signedOut());
  }
  const renderApp = (element: ReactElement) =>
    render(
      <AppProviders services={services} store={store} start={false}>
        {element}
      </AppProviders>,
    );
  return { services, store, fetch, network, queryClient, renderApp };
}

import type { User } from '@rosin/contracts/auth';
import { QueryClient } from '@tanstack/react-query';
import { ApiClient, type FetchLike } from '../lib/api/api-client';
import type { TokenVault } from '../lib/auth/token-vault.types';
import type { VideoVault } from '../lib/media/video-vault.types';
import type { NetworkMonitor } from '../lib/network/network-monitor';
import { Outbox } from '../lib/outbox/outbox';
import type { OutboxStore, OutboxTransport } from '../lib/outbox/outbox-ports';
import { createHttpOutboxTransport } from '../lib/outbox/outbox-transport.http';

/**
 * The service adapters the app runs on, created once at start. Screens never see them: hooks (queries) and
 * actions (thunks) do. Tests build the same object with fakes.
 */
export interface AppServices {
  api: ApiClient;
  tokens: TokenVault;
  outbox: Outbox;
  videos: VideoVault;
  network: NetworkMonitor;
  queryClient: QueryClient;
  uuid: () => string;
  registerForNotifications: () => Promise<string | null>;
  /** The signed-in user, as the outbox needs it (set by the auth actions). */
  currentUser: { value: User | null };
  /** Nudges the outbox (after a save or a retry); replaced by the runner once it starts. */
  kickOutbox: () => void;
  /** Called when the refresh token stops working; the app start wires it to sign the person out. */
  onSignedOut: () => void;
}

export interface AppServicesOptions {
  baseUrl: string;
  tokens: TokenVault;
  videos: VideoVault;
  network: NetworkMonitor;
  outboxStore: OutboxStore;
  uuid: () => string;
  registerForNotifications: () => Promise<string | null>;
  fetch?: FetchLike;
  transport?: (api: ApiClient) => OutboxTransport;
  queryClient?: QueryClient;
  now?: () => number;
}

export function createAppServices(options: AppServicesOptions): AppServices {
  const currentUser: { value: User | null } = { value: null };
  const api = new ApiClient({
    baseUrl: options.baseUrl,
    tokens: options.tokens,
    onSignedOut: () => services.onSignedOut(),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const outbox = new Outbox({
    store: options.outboxStore,
    transport: (options.transport ?? createHttpOutboxTransport)(api),
    media: options.videos,
    clock: { now: options.now ?? Date.now },
    isOnline: () => options.network.isOnline(),
    canSend: (item) => currentUser.value?.id === item.ownerId && currentUser.value.activeRole === 'student',
  });
  const services: AppServices = {
    api,
    tokens: options.tokens,
    outbox,
    videos: options.videos,
    network: options.network,
    queryClient:
      options.queryClient ??
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 15_000, retry: 2, networkMode: 'offlineFirst' },
          mutations: { networkMode: 'online' },
        },
      }),
    uuid: options.uuid,
    registerForNotifications: options.registerForNotifications,
    currentUser,
    kickOutbox: () => undefined,
    onSignedOut: () => undefined,
  };
  return services;
}

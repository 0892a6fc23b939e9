import * as Crypto from 'expo-crypto';
import { apiBaseUrl } from '../lib/api/api-base-url';
import { createTokenVault } from '../lib/auth/token-vault';
import { openDeviceDatabase } from '../lib/db/open-device-database';
import { createVideoVault } from '../lib/media/video-vault';
import { createNetInfoMonitor } from '../lib/network/network-monitor';
import { registerForNotifications } from '../lib/notifications/register-for-notifications';
import { createLazySqliteOutboxStore } from '../lib/outbox/outbox-store.lazy';
import { createAppServices, type AppServices } from './app-services';

/** The real adapters: SQLite, SecureStore (localStorage on web), NetInfo, the device's files. */
export function createDeviceServices(): AppServices {
  const baseUrl = apiBaseUrl();
  return createAppServices({
    baseUrl,
    tokens: createTokenVault(),
    videos: createVideoVault(),
    network: createNetInfoMonitor(baseUrl),
    outboxStore: createLazySqliteOutboxStore(openDeviceDatabase),
    uuid: () => Crypto.randomUUID(),
    registerForNotifications,
  });
}

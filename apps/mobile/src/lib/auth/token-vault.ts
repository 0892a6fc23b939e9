import { TokenPair, User } from '@rosin/contracts/auth';
import * as SecureStore from 'expo-secure-store';
import type { TokenVault } from './token-vault.types';

const TOKENS = 'rosin.tokens.v1';
const USER = 'rosin.user.v1';

/** Native: the Keychain (iOS) or the Keystore-backed store (Android), readable only by this app. */
export function createTokenVault(): TokenVault {
  const read = async <T>(key: string, schema: { safeParse(v: unknown): { success: boolean; data?: T } }) => {
    const raw = await SecureStore.getItemAsync(key);
    if (!raw) return null;
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      return parsed.success ? (parsed.data ?? null) : null;
    } catch {
      return null;
    }
  };
  return {
    read: () => read(TOKENS, TokenPair),
    write: (tokens) => SecureStore.setItemAsync(TOKENS, JSON.stringify(tokens)),
    readUser: () => read(USER, User),
    writeUser: (user) => SecureStore.setItemAsync(USER, JSON.stringify(user)),
    clear: async () => {
      await SecureStore.deleteItemAsync(TOKENS);
      await SecureStore.deleteItemAsync(USER);
    },
  };
}

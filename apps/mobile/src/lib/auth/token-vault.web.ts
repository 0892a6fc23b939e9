import { TokenPair, User } from '@rosin/contracts/auth';
import type { TokenVault } from './token-vault.types';

const TOKENS = 'rosin.tokens.v1';
const USER = 'rosin.user.v1';

/**
 * Web has no expo-secure-store. The tokens go to localStorage of the app's own origin, so a reload (and the
 * offline outbox after it) stays signed in. The trade-off (README, "Token storage on web"): any script running
 * on this origin could read them, so the web build loads no third-party code; access tokens are short-lived
 * and refresh tokens rotate (a stolen one used twice revokes the whole sign-in). An HttpOnly cookie would need
 * server changes.
 */
export function createTokenVault(): TokenVault {
  const read = <T>(key: string, schema: { safeParse(v: unknown): { success: boolean; data?: T } }) => {
    const raw = globalThis.localStorage?.getItem(key);
    if (!raw) return null;
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      return parsed.success ? (parsed.data ?? null) : null;
    } catch {
      return null;
    }
  };
  return {
    read: async () => read(TOKENS, TokenPair),
    write: async (tokens) => globalThis.localStorage?.setItem(TOKENS, JSON.stringify(tokens)),
    readUser: async () => read(USER, User),
    writeUser: async (user) => globalThis.localStorage?.setItem(USER, JSON.stringify(user)),
    clear: async () => {
      globalThis.localStorage?.removeItem(TOKENS);
      globalThis.localStorage?.removeItem(USER);
    },
  };
}

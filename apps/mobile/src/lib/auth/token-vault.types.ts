import type { TokenPair, User } from '@rosin/contracts/auth';

/**
 * Where the refresh and access tokens live between app starts. Native: expo-secure-store (Keychain /
 * Keystore). Web: see token-vault.web.ts.
 */
export interface TokenVault {
  read(): Promise<TokenPair | null>;
  write(tokens: TokenPair): Promise<void>;
  clear(): Promise<void>;
  /** The signed-in user as last seen, so the app (and its outbox) works offline after a restart. */
  readUser(): Promise<User | null>;
  writeUser(user: User): Promise<void>;
}

/** For tests and for the model test's restarts: survives as long as the object does. */
export function createMemoryTokenVault(
  initial: TokenPair | null = null,
  initialUser: User | null = null,
): TokenVault {
  let tokens = initial;
  let user = initialUser;
  return {
    readUser: async () => user,
    writeUser: async (next) => {
      user = next;
    },
    read: async () => tokens,
    write: async (next) => {
      tokens = next;
    },
    clear: async () => {
      tokens = null;
      user = null;
    },
  };
}

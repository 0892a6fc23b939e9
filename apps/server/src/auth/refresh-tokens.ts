import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const REFRESH_TOKEN_TTL_DAYS = 30;

/**
 * A refresh token is `<row id>.<secret>`: the id finds the row, only a SHA-256 of the secret is stored,
 * so a database leak yields no usable tokens.
 */
export function newRefreshToken(): { id: string; token: string; hash: string } {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${id}.${secret}`, hash: hashSecret(secret) };
}

export function parseRefreshToken(token: string): { id: string; secret: string } | undefined {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret));
  const expected = Buffer.from(storedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';

export type VerifiedToken<T> = { ok: true; claims: T } | { ok: false; reason: 'invalid' | 'expired' };

/**
 * Expiring, signed (not encrypted) tokens for URLs: `base64url(json claims).base64url(HMAC-SHA256)`. The
 * `context` separates the MACs of different uses of one key; the schema checks the claims' shape after the MAC.
 * Claims are readable by whoever holds the URL: put only ids and random keys in them.
 */
export class SignedTokenCodec<T extends { exp: number }> {
  constructor(
    private readonly key: Buffer,
    private readonly context: string,
    private readonly schema: z.ZodType<T>,
  ) {
    if (key.length < 32) throw new TypeError('A token signing key must be at least 32 bytes');
  }

  sign(claims: T): string {
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  /** Checks the MAC, then the shape, then the expiry (`nowSeconds` > exp is expired). */
  verify(token: string, nowSeconds: number): VerifiedToken<T> {
    const [payload, mac, ...rest] = token.split('.');
    if (!payload || !mac || rest.length > 0) return { ok: false, reason: 'invalid' };
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'invalid' };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    const claims = this.schema.safeParse(parsed);
    if (!claims.success) return { ok: false, reason: 'invalid' };
    if (nowSeconds > claims.data.exp) return { ok: false, reason: 'expired' };
    return { ok: true, claims: claims.data };
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(this.context).update(payload).digest();
  }
}

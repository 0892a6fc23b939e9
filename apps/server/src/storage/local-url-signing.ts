import { hkdfSync } from 'node:crypto';
import { z } from 'zod';
import type { Secrets } from '../crypto/keys';
import { SignedTokenCodec, type VerifiedToken } from '../crypto/signed-token';

/**
 * Tokens for the local driver's presigned URLs: `base64url(json claims).base64url(HMAC-SHA256)`. The claims
 * say what the URL may do (upload exactly one part of one upload, with one Content-MD5 and size; or read one
 * object) and until when. They are signed, not encrypted: they reveal only random keys and ids.
 */
const PartClaims = z.object({
  op: z.literal('put-part'),
  key: z.string(),
  uploadId: z.string(),
  partNumber: z.number().int(),
  md5: z.string(),
  size: z.number().int(),
  /** Unix seconds after which the URL is refused. */
  exp: z.number().int(),
});
const GetClaims = z.object({
  op: z.literal('get'),
  key: z.string(),
  contentType: z.string().optional(),
  exp: z.number().int(),
});
const Claims = z.discriminatedUnion('op', [PartClaims, GetClaims]);

export type PartClaims = z.infer<typeof PartClaims>;
export type GetClaims = z.infer<typeof GetClaims>;
export type UrlClaims = z.infer<typeof Claims>;

export type { VerifiedToken };

/** Domain separation: these MACs can never be confused with anything else signed by a key from the same root. */
const MAC_CONTEXT = 'rosin/local-storage-url/v1\n';

/**
 * The URL signing key, derived (HKDF-SHA256) from the JWT secret, so it needs no configuration of its own and
 * changes when that secret is rotated (outstanding URLs, minutes long, then stop working).
 */
export function deriveLocalStorageSigningKey(secrets: Secrets): Buffer {
  return Buffer.from(hkdfSync('sha256', secrets.jwtSecret, 'rosin', 'local-object-storage-url/v1', 32));
}

export class LocalUrlSigner {
  private readonly codec: SignedTokenCodec<UrlClaims>;

  constructor(key: Buffer) {
    this.codec = new SignedTokenCodec(key, MAC_CONTEXT, Claims);
  }

  sign(claims: UrlClaims): string {
    return this.codec.sign(claims);
  }

  /** Checks the MAC, the shape, the operation and the expiry (`nowSeconds` > exp is expired). */
  verify<Op extends UrlClaims['op']>(
    token: string,
    op: Op,
    nowSeconds: number,
  ): VerifiedToken<Extract<UrlClaims, { op: Op }>> {
    const verified = this.codec.verify(token, nowSeconds);
    if (!verified.ok) return verified;
    if (verified.claims.op !== op) return { ok: false, reason: 'invalid' };
    return { ok: true, claims: verified.claims as Extract<UrlClaims, { op: Op }> };
  }
}

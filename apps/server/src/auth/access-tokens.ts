import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '@rosin/contracts/common';
import { Role as RoleSchema } from '@rosin/contracts/common';
import { AppError } from '../http/app-error';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'rosin';
const AUDIENCE = 'rosin-api';
const ALGORITHM = 'HS256';

/** Who is calling, as proven by the access token. */
export interface Principal {
  userId: string;
  role: Role;
}

export class AccessTokens {
  constructor(private readonly secret: Uint8Array) {}

  async issue(principal: Principal, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = new Date((issuedAt + ACCESS_TOKEN_TTL_SECONDS) * 1000);
    const token = await new SignJWT({ role: principal.role })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(principal.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.secret);
    return { token, expiresAt };
  }

  /** Verifies signature, algorithm (pinned), issuer, audience and expiry. */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const role = RoleSchema.safeParse(payload['role']);
      if (!payload.sub || !role.success)
        throw new AppError(401, 'UNAUTHENTICATED', 'The access token is invalid');
      return { userId: payload.sub, role: role.data };
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof joseErrors.JWTExpired) {
        throw new AppError(401, 'TOKEN_EXPIRED', 'The access token has expired; refresh it');
      }
      throw new AppError(401, 'UNAUTHENTICATED', 'The access token is invalid');
    }
  }
}

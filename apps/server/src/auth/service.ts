import { randomUUID } from 'node:crypto';
import type { AuthResponse, LoginRequest, RegisterRequest, User } from '@rosin/contracts/auth';
import type { Role, SelfServiceRole } from '@rosin/contracts/common';
import type { PiiCipher } from '../crypto/pii-cipher';
import type { Database, Tx } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { AppError, conflict, notFound } from '../http/app-error';
import type { AccessTokens, Principal } from './access-tokens';
import { hashPassword, verifyPassword } from './passwords';
import { newRefreshToken, parseRefreshToken, REFRESH_TOKEN_TTL_DAYS, secretMatches } from './refresh-tokens';
import { refreshTokenRepository, userRepository } from './repository';

const invalidRefreshToken = () =>
  new AppError(401, 'REFRESH_TOKEN_INVALID', 'The refresh token is invalid or expired; sign in again');

export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly pii: PiiCipher,
    private readonly accessTokens: AccessTokens,
  ) {}

  async register(input: RegisterRequest): Promise<AuthResponse> {
    const userId = randomUUID();
    const passwordHash = await hashPassword(input.password);
    try {
      // Nobody is signed in yet, so creating the account is system work.
      const tokens = await this.db.asSystem(async (tx) => {
        await userRepository.insertUser(tx, {
          id: userId,
          emailCiphertext: this.pii.encrypt(input.email, userId),
          emailBlindIndex: this.pii.emailBlindIndex(input.email),
          passwordHash,
          role: input.role,
          displayName: input.displayName,
        });
        await userRepository.insertRole(tx, userId, input.role);
        return this.issueTokens(tx, { userId, role: input.role });
      });
      return { ...tokens, user: await this.me(userId) };
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict('EMAIL_TAKEN', 'An account with this email already exists');
      throw error;
    }
  }

  async login(input: LoginRequest): Promise<AuthResponse> {
    const found = await this.db.asSystem((tx) =>
      userRepository.findLoginByBlindIndex(tx, this.pii.emailBlindIndex(input.email)),
    );
    const passwordOk = await verifyPassword(found?.password_hash, input.password);
    if (!found || !passwordOk) throw new AppError(401, 'INVALID_CREDENTIALS', 'Email or password is wrong');
    const tokens = await this.db.asSystem((tx) =>
      this.issueTokens(tx, { userId: found.id, role: found.active_role }),
    );
    return { ...tokens, user: await this.me(found.id) };
  }

  /** Rotates: the presented token is spent and a new one of the same family issued. Reuse revokes the family. */
  async refresh(refreshToken: string): Promise<AuthResponse> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) throw invalidRefreshToken();
    const outcome = await this.db.asSystem(async (tx) => {
      const stored = await refreshTokenRepository.findById(tx, parsed.id);
      if (!stored || !secretMatches(parsed.secret, stored.token_hash))
        return { error: invalidRefreshToken() };
      if (stored.revoked_at || stored.user_deleted_at || stored.expires_at.getTime() <= Date.now()) {
        return { error: invalidRefreshToken() };
      }
      if (stored.used_at || !(await refreshTokenRepository.markUsed(tx, stored.id))) {
        // A spent token came back: someone holds a copy. Revoke every token descended from the same login.
        await refreshTokenRepository.revokeFamily(tx, stored.family_id);
        return {
          error: new AppError(
            401,
            'REFRESH_TOKEN_REUSED',
            'This refresh token was already used; sign in again',
          ),
        };
      }
      const tokens = await this.issueTokens(
        tx,
        { userId: stored.user_id, role: stored.active_role },
        stored.family_id,
      );
      return { tokens, userId: stored.user_id };
    });
    // The revocation above must commit, so the error is thrown only after the transaction.
    if ('error' in outcome) throw outcome.error;
    return { ...outcome.tokens, user: await this.me(outcome.userId) };
  }

  async logout(refreshToken: string): Promise<void> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) return;
    await this.db.asSystem(async (tx) => {
      const stored = await refreshTokenRepository.findById(tx, parsed.id);
      if (stored && secretMatches(parsed.secret, stored.token_hash)) {
        await refreshTokenRepository.revokeFamily(tx, stored.family_id);
      }
    });
  }

  async me(userId: string): Promise<User> {
    const row = await this.db.asUser(userId, (tx) =>
      userRepository.findByIdIncludeProfileAndRoles(tx, userId),
    );
    if (!row) throw notFound('User');
    return {
      id: row.id,
      email: this.pii.decrypt(row.email_ciphertext, row.id),
      displayName: row.display_name,
      roles: row.roles,
      activeRole: row.active_role,
      tz: row.tz,
      createdAt: row.created_at.toISOString(),
    };
  }

  /** The role switcher: later tokens (including refreshed ones) carry the chosen role. */
  async setActiveRole(principal: Principal, role: Role): Promise<AuthResponse> {
    await this.db.asUser(principal.userId, async (tx) => {
      const roles = await userRepository.findRoles(tx, principal.userId);
      if (!roles.includes(role)) throw new AppError(403, 'ROLE_NOT_HELD', `You do not have the ${role} role`);
      await userRepository.updateActiveRole(tx, principal.userId, role);
    });
    const pair = await this.db.asSystem((tx) => this.issueTokens(tx, { userId: principal.userId, role }));
    return { ...pair, user: await this.me(principal.userId) };
  }

  /** A student may also become a teacher and vice versa; roles are granted as system work, never by RLS. */
  async addRole(principal: Principal, role: SelfServiceRole): Promise<User> {
    await this.db.asSystem((tx) => userRepository.insertRole(tx, principal.userId, role));
    return this.me(principal.userId);
  }

  private async issueTokens(tx: Tx, principal: Principal, familyId: string = randomUUID()) {
    const refresh = newRefreshToken();
    await refreshTokenRepository.insert(tx, {
      id: refresh.id,
      familyId,
      userId: principal.userId,
      hash: refresh.hash,
      role: principal.role,
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_DAYS * 86_400_000),
    });
    const access = await this.accessTokens.issue(principal);
    return {
      accessToken: access.token,
      refreshToken: refresh.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
    };
  }
}

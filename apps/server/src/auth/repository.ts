import { sql } from 'kysely';
import type { Tx } from '../db/database';
import type { AppRole } from '../db/schema';

/** Data access for identity: users, their roles and profiles, and refresh tokens. No business rules. */
export const userRepository = {
  async insertUser(
    tx: Tx,
    user: {
      id: string;
      emailCiphertext: string;
      emailBlindIndex: string;
      passwordHash: string;
      role: AppRole;
      displayName: string;
    },
  ): Promise<void> {
    await tx
      .insertInto('users')
      .values({
        id: user.id,
        email_ciphertext: user.emailCiphertext,
        email_blind_index: user.emailBlindIndex,
        password_hash: user.passwordHash,
        active_role: user.role,
      })
      .execute();
    await tx.insertInto('profiles').values({ user_id: user.id, display_name: user.displayName }).execute();
  },

  async insertRole(tx: Tx, userId: string, role: AppRole): Promise<void> {
    await tx
      .insertInto('user_roles')
      .values({ user_id: userId, role })
      .onConflict((c) => c.doNothing())
      .execute();
    if (role === 'student') {
      await tx
        .insertInto('students')
        .values({ user_id: userId })
        .onConflict((c) => c.doNothing())
        .execute();
    } else if (role === 'teacher') {
      await tx
        .insertInto('teachers')
        .values({ user_id: userId })
        .onConflict((c) => c.doNothing())
        .execute();
    }
  },

  findLoginByBlindIndex(tx: Tx, emailBlindIndex: string) {
    return tx
      .selectFrom('users')
      .select(['id', 'password_hash', 'active_role'])
      .where('email_blind_index', '=', emailBlindIndex)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },

  findByIdIncludeProfileAndRoles(tx: Tx, userId: string) {
    return tx
      .selectFrom('users')
      .innerJoin('profiles', 'profiles.user_id', 'users.id')
      .select([
        'users.id',
        'users.email_ciphertext',
        'users.active_role',
        'users.tz',
        'users.created_at',
        'profiles.display_name',
        sql<
          AppRole[]
        >`array(select r.role::text from user_roles r where r.user_id = users.id order by r.role)`.as(
          'roles',
        ),
      ])
      .where('users.id', '=', userId)
      .where('users.deleted_at', 'is', null)
      .executeTakeFirst();
  },

  async findRoles(tx: Tx, userId: string): Promise<AppRole[]> {
    const rows = await tx.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute();
    return rows.map((row) => row.role);
  },

  async updateActiveRole(tx: Tx, userId: string, role: AppRole): Promise<void> {
    await tx
      .updateTable('users')
      .set({ active_role: role, updated_at: new Date() })
      .where('id', '=', userId)
      .execute();
  },
};

export const refreshTokenRepository = {
  async insert(
    tx: Tx,
    token: { id: string; familyId: string; userId: string; hash: string; role: AppRole; expiresAt: Date },
  ): Promise<void> {
    await tx
      .insertInto('refresh_tokens')
      .values({
        id: token.id,
        family_id: token.familyId,
        user_id: token.userId,
        token_hash: token.hash,
        active_role: token.role,
        expires_at: token.expiresAt,
      })
      .execute();
  },

  findById(tx: Tx, id: string) {
    return tx
      .selectFrom('refresh_tokens')
      .innerJoin('users', 'users.id', 'refresh_tokens.user_id')
      .select([
        'refresh_tokens.id',
        'refresh_tokens.family_id',
        'refresh_tokens.user_id',
        'refresh_tokens.token_hash',
        'refresh_tokens.expires_at',
        'refresh_tokens.used_at',
        'refresh_tokens.revoked_at',
        'users.active_role',
        'users.deleted_at as user_deleted_at',
      ])
      .where('refresh_tokens.id', '=', id)
      .executeTakeFirst();
  },

  /** Marks the token spent; false when another request spent it first (a concurrent reuse). */
  async markUsed(tx: Tx, id: string): Promise<boolean> {
    const result = await tx
      .updateTable('refresh_tokens')
      .set({ used_at: new Date() })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  },

  async revokeFamily(tx: Tx, familyId: string): Promise<void> {
    await tx
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date() })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  },
};

import { z } from 'zod';
import { IsoDateTime, Role, SelfServiceRole, Uuid } from './common';

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be a valid email address' }));
export const Password = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'must be at most 200 characters');
export const DisplayName = z.string().trim().min(1).max(80);

export const RegisterRequest = z
  .object({
    email: Email,
    password: Password,
    displayName: DisplayName,
    role: SelfServiceRole,
  })
  .strict();
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const LoginRequest = z.object({ email: Email, password: z.string().min(1).max(200) }).strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const RefreshRequest = z.object({ refreshToken: z.string().min(1).max(500) }).strict();
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const LogoutRequest = RefreshRequest;
export type LogoutRequest = RefreshRequest;

export const User = z
  .object({
    id: Uuid,
    email: z.string(),
    displayName: z.string(),
    roles: z.array(Role),
    activeRole: Role,
    tz: z.string(),
    createdAt: IsoDateTime,
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const TokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  accessTokenExpiresAt: IsoDateTime,
});
export type TokenPair = z.infer<typeof TokenPair>;

export const AuthResponse = TokenPair.extend({ user: User }).meta({ id: 'AuthResponse' });
export type AuthResponse = z.infer<typeof AuthResponse>;

export const SetActiveRoleRequest = z.object({ role: Role }).strict();
export type SetActiveRoleRequest = z.infer<typeof SetActiveRoleRequest>;

export const AddRoleRequest = z.object({ role: SelfServiceRole }).strict();
export type AddRoleRequest = z.infer<typeof AddRoleRequest>;

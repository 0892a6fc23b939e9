import type { Role } from '@rosin/contracts/common';
import { AppError } from '../http/app-error';
import type { Principal } from './access-tokens';

/**
 * The service-level half of authorization (RLS in Postgres is the other): the caller's active role must
 * be one of `roles`. Row ownership is then enforced by the policies.
 */
export function requireActiveRole(principal: Principal, ...roles: Role[]): void {
  if (!roles.includes(principal.role)) {
    throw new AppError(
      403,
      'FORBIDDEN',
      `This needs the ${roles.join(' or ')} role; switch roles in your profile`,
    );
  }
}

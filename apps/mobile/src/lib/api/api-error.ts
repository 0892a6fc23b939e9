import type { ErrorCode } from '@rosin/contracts/errors';

/** The server answered with its error shape (or at least an error status). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'UNKNOWN',
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth trying again later: the server or a proxy was unwell, or asked us to slow down. */
  get isTransient(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** The request never got an answer (offline, DNS, connection reset, response lost). */
export class NetworkError extends Error {
  constructor(message = 'No connection to the server') {
    super(message);
    this.name = 'NetworkError';
  }
}

/** The refresh token is gone or spent: only signing in again helps. */
export class SignedOutError extends Error {
  constructor() {
    super('Signed out: sign in again to continue');
    this.name = 'SignedOutError';
  }
}

/** A message a person can read, whatever went wrong. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof NetworkError || error instanceof SignedOutError) {
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}

import { AuthResponse, User, type LoginRequest, type RegisterRequest } from '@rosin/contracts/auth';
import type { Role, SelfServiceRole } from '@rosin/contracts/common';
import { NetworkError, SignedOutError } from '../../lib/api/api-error';
import type { AppThunk } from '../store';
import { signedIn, signedOut, userChanged } from '../session-slice';

/** Start: the stored sign-in if there is one (offline too, with the user as last seen), else signed out. */
export const restoreSession = (): AppThunk => async (dispatch, _getState, services) => {
  const tokens = await services.tokens.read();
  if (!tokens) {
    dispatch(signedOut());
    return;
  }
  const cached = await services.tokens.readUser();
  try {
    const user = await services.api.request('GET', '/me', { schema: User });
    await adoptUser(user, services);
    dispatch(signedIn(user));
  } catch (error) {
    if (cached && error instanceof NetworkError) {
      services.currentUser.value = cached;
      dispatch(signedIn(cached));
    } else if (error instanceof SignedOutError || !cached) {
      await services.tokens.clear();
      dispatch(signedOut());
    } else {
      services.currentUser.value = cached;
      dispatch(signedIn(cached));
    }
  }
  services.kickOutbox();
};

export const signIn =
  (credentials: LoginRequest): AppThunk =>
  async (dispatch, _getState, services) => {
    const answer = await services.api.request('POST', '/auth/login', {
      auth: false,
      body: credentials,
      schema: AuthResponse,
    });
    await completeSignIn(answer, dispatch, services);
  };

export const createAccount =
  (details: RegisterRequest): AppThunk =>
  async (dispatch, _getState, services) => {
    const answer = await services.api.request('POST', '/auth/register', {
      auth: false,
      body: details,
      schema: AuthResponse,
    });
    await completeSignIn(answer, dispatch, services);
  };

export const signOut = (): AppThunk => async (dispatch, _getState, services) => {
  const tokens = await services.tokens.read();
  if (tokens) {
    // Best effort: offline, the refresh token simply expires on the server.
    await services.api
      .request('POST', '/auth/logout', { auth: false, body: { refreshToken: tokens.refreshToken } })
      .catch(() => undefined);
  }
  await services.tokens.clear();
  services.currentUser.value = null;
  services.queryClient.clear();
  // Saved sessions stay in the outbox: they are sent when their owner signs in again.
  dispatch(signedOut());
};

/** Switch between student and teacher; the server re-issues the tokens for the new role. */
export const switchRole =
  (role: Role): AppThunk =>
  async (dispatch, _getState, services) => {
    const answer = await services.api.request('POST', '/me/active-role', {
      body: { role },
      schema: AuthResponse,
    });
    await services.api.adoptTokens(answer);
    await adoptUser(answer.user, services);
    services.queryClient.clear();
    dispatch(userChanged(answer.user));
    services.kickOutbox();
  };

/** Take on a second role (a student who also teaches), then switch to it. */
export const addRole =
  (role: SelfServiceRole): AppThunk =>
  async (dispatch, _getState, services) => {
    const user = await services.api.request('POST', '/me/roles', { body: { role }, schema: User });
    await adoptUser(user, services);
    dispatch(userChanged(user));
    await dispatch(switchRole(role));
  };

async function completeSignIn(
  answer: AuthResponse,
  dispatch: Parameters<AppThunk>[0],
  services: Parameters<AppThunk>[2],
): Promise<void> {
  await services.api.adoptTokens(answer);
  await adoptUser(answer.user, services);
  services.queryClient.clear();
  dispatch(signedIn(answer.user));
  services.kickOutbox();
  void services.registerForNotifications();
}

async function adoptUser(user: User, services: Parameters<AppThunk>[2]): Promise<void> {
  services.currentUser.value = user;
  await services.tokens.writeUser(user);
}

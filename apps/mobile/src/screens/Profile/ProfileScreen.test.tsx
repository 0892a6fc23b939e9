import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { createTestApp, testStudent } from '../../testing/test-services';
import { ProfileScreen } from '.';

const both = { ...testStudent, roles: ['student', 'teacher'] as ('student' | 'teacher')[] };

describe('ProfileScreen', () => {
  it('switches a student who also teaches to teacher, with re-issued tokens', async () => {
    const app = createTestApp({
      user: both,
      routes: {
        'GET /teachers': [200, { teachers: [] }],
        'POST /me/active-role': [
          200,
          {
            accessToken: 'teacher-access',
            refreshToken: 'teacher-refresh',
            accessTokenExpiresAt: '2030-01-01T00:00:00.000Z',
            user: { ...both, activeRole: 'teacher' },
          },
        ],
      },
    });
    await app.renderApp(<ProfileScreen />);
    await fireEvent.press(screen.getByRole('button', { name: 'Switch to teacher' }));
    await waitFor(() => expect(app.store.getState().session.user?.activeRole).toBe('teacher'));
    expect((await app.services.tokens.read())?.accessToken).toBe('teacher-access');
    expect(app.fetch.calls.find((call) => call.path === '/me/active-role')?.body).toEqual({
      role: 'teacher',
    });
    app.queryClient.clear();
  });

  it('joins a teacher with an invitation code and signs out', async () => {
    const app = createTestApp({
      routes: {
        'GET /teachers': [200, { teachers: [] }],
        'POST /invitations/accept': [200, { id: '00000000-0000-4000-8000-0000000000cc', displayName: 'Teo' }],
        'POST /auth/logout': [204, null],
      },
    });
    await app.renderApp(<ProfileScreen />);
    await fireEvent.changeText(screen.getByLabelText('Invitation code'), 'abcd-efgh');
    await fireEvent.press(screen.getByRole('button', { name: 'Join teacher' }));
    expect(await screen.findByText('You joined Teo.')).toBeTruthy();
    expect(app.fetch.calls.find((call) => call.path === '/invitations/accept')?.body).toEqual({
      code: 'abcd-efgh',
    });

    await fireEvent.press(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(app.store.getState().session.status).toBe('signedOut'));
    expect(await app.services.tokens.read()).toBeNull();
    app.queryClient.clear();
  });
});

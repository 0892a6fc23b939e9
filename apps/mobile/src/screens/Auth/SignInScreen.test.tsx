import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { createTestApp, testStudent } from '../../testing/test-services';
import { SignInScreen } from './SignInScreen';

jest.mock('expo-router', () => ({
  useRouter: () => jest.requireActual('../../testing/mock-router').mockRouter,
}));

const authAnswer = {
  accessToken: 'access-1',
  refreshToken: 'refresh-1',
  accessTokenExpiresAt: '2030-01-01T00:00:00.000Z',
  user: testStudent,
};

describe('SignInScreen', () => {
  it('signs in with the labelled fields and stores the new tokens', async () => {
    const app = createTestApp({ user: null, routes: { 'POST /auth/login': [200, authAnswer] } });
    await app.renderApp(<SignInScreen />);
    await fireEvent.changeText(screen.getByLabelText('Email'), ' ada@example.test ');
    await fireEvent.changeText(screen.getByLabelText('Password'), 'correct horse battery');
    await fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));

    await waitFor(() => expect(app.store.getState().session.status).toBe('signedIn'));
    expect(app.fetch.calls[0]).toMatchObject({
      method: 'POST',
      path: '/auth/login',
      body: { email: 'ada@example.test', password: 'correct horse battery' },
    });
    expect((await app.services.tokens.read())?.accessToken).toBe('access-1');
    app.queryClient.clear();
  });

  it('shows the server’s message when the password is wrong', async () => {
    const app = createTestApp({
      user: null,
      routes: {
        'POST /auth/login': [
          401,
          { error: { code: 'INVALID_CREDENTIALS', message: 'Wrong email or password' } },
        ],
      },
    });
    await app.renderApp(<SignInScreen />);
    await fireEvent.changeText(screen.getByLabelText('Email'), 'ada@example.test');
    await fireEvent.changeText(screen.getByLabelText('Password'), 'nope');
    await fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Wrong email or password')).toBeTruthy();
    expect(app.store.getState().session.status).toBe('signedOut');
    expect(screen.getByRole('button', { name: 'Create account' })).toBeTruthy();
    app.queryClient.clear();
  });
});

import { screen } from '@testing-library/react-native';
import { renderRouter } from 'expo-router/testing-library';
import type { ReactNode } from 'react';
import { AppProviders } from '../app-providers';
import { createTestApp, testStudent } from '../testing/test-services';
import TabsLayout from './TabsLayout';

function renderTabs(user: typeof testStudent) {
  const app = createTestApp({ user });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <AppProviders services={app.services} store={app.store} start={false}>
      {children}
    </AppProviders>
  );
  const empty = () => null;
  return renderRouter(
    {
      '(tabs)/_layout': TabsLayout,
      '(tabs)/index': empty,
      '(tabs)/practice': empty,
      '(tabs)/sessions': empty,
      '(tabs)/progress': empty,
      '(tabs)/students': empty,
      '(tabs)/profile': empty,
    },
    { initialUrl: '/profile', wrapper },
  );
}

describe('tabs', () => {
  it('gives a student Practice, Sessions, Progress and Profile', async () => {
    await renderTabs(testStudent);
    for (const name of ['Practice', 'Sessions', 'Progress', 'Profile']) {
      expect(screen.getByLabelText(name)).toBeTruthy();
    }
    expect(screen.queryByLabelText('Students')).toBeNull();
  });

  it('gives a teacher Students and Profile', async () => {
    await renderTabs({ ...testStudent, roles: ['teacher'], activeRole: 'teacher' });
    expect(screen.getByLabelText('Students')).toBeTruthy();
    expect(screen.getByLabelText('Profile')).toBeTruthy();
    expect(screen.queryByLabelText('Practice')).toBeNull();
  });
});

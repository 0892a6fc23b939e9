import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { mockRouter } from '../../testing/mock-router';
import { createTestApp } from '../../testing/test-services';
import { PracticeScreen } from '.';

jest.mock('expo-router', () => ({
  useRouter: () => jest.requireActual('../../testing/mock-router').mockRouter,
}));
jest.mock('../../lib/media/pick-video', () => ({
  pickVideo: async () => ({
    uri: 'file:///videos/take.mp4',
    filename: 'take.mp4',
    contentType: 'video/mp4',
    sizeBytes: 3_000_000,
  }),
}));

describe('PracticeScreen', () => {
  it('starts a session, takes a chosen video and saves it to the outbox with a new id', async () => {
    const app = createTestApp();
    await app.renderApp(<PracticeScreen />);
    await fireEvent.press(screen.getByRole('button', { name: 'New session' }));
    expect(screen.getByRole('button', { name: 'Record' })).toBeTruthy();
    await fireEvent.press(screen.getByRole('radio', { name: 'Repertoire' }));
    await fireEvent.press(screen.getByRole('radio', { name: '30 min' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Choose video' }));
    expect(await screen.findByText(/take\.mp4/)).toBeTruthy();
    await fireEvent.press(screen.getByRole('button', { name: 'Save session' }));

    await waitFor(() => expect(mockRouter.navigate).toHaveBeenCalledWith('/sessions'));
    const [item] = await app.services.outbox.list();
    expect(item).toMatchObject({
      id: '00000000-0000-4000-8000-000000000001',
      draft: { focus: 'repertoire' },
      video: { filename: 'take.mp4', contentType: 'video/mp4', sizeBytes: 3_000_000 },
    });
    expect(Date.parse(item!.draft.endTs) - Date.parse(item!.draft.startTs)).toBe(30 * 60_000);
    expect(app.store.getState().outbox.items[item!.id]).toBeDefined();
    app.queryClient.clear();
  });
});

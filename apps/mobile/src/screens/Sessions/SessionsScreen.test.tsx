import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { itemChanged } from '../../state/outbox-slice';
import { createTestApp, testStudent } from '../../testing/test-services';
import { SessionsScreen } from '.';

jest.mock('expo-router', () => ({
  useRouter: () => jest.requireActual('../../testing/mock-router').mockRouter,
}));

const serverSession = {
  id: '00000000-0000-4000-8000-000000000099',
  studentId: testStudent.id,
  focus: 'etudes',
  startTs: '2026-11-01T10:00:00.000Z',
  endTs: '2026-11-01T10:30:00.000Z',
  selfRating: 3,
  note: '',
  tagIds: [],
  hasSensors: false,
  status: 'ready',
  failureReason: null,
  createdAt: '2026-11-01T10:30:00.000Z',
  updatedAt: '2026-11-01T10:30:00.000Z',
};

async function saveLocal(app: ReturnType<typeof createTestApp>, startTs: string) {
  const item = await app.services.outbox.enqueue({
    id: app.services.uuid(),
    ownerId: testStudent.id,
    draft: { focus: 'scales', startTs, endTs: startTs, selfRating: null, note: '', tagIds: [] },
    video: null,
    sensors: null,
  });
  app.store.dispatch(itemChanged(item));
  return item;
}

describe('SessionsScreen', () => {
  it('lists the server’s sessions and this device’s queued ones, offline', async () => {
    const app = createTestApp({
      online: false,
      routes: { 'GET /sessions?limit=50': [200, { sessions: [serverSession], nextCursor: null }] },
    });
    app.network.set(false);
    await saveLocal(app, '2026-11-02T10:00:00.000Z');
    const { connectivityChanged } = jest.requireActual('../../state/outbox-slice');
    app.store.dispatch(connectivityChanged(false));
    await app.renderApp(<SessionsScreen />);
    expect(await screen.findByText('Ready')).toBeTruthy();
    expect(screen.getByText('Queued (offline)')).toBeTruthy();
    app.queryClient.clear();
  });

  it('shows a refused upload with its reason and a retry', async () => {
    const app = createTestApp({
      routes: {
        'GET /sessions?limit=50': [200, { sessions: [], nextCursor: null }],
        'POST /sessions': [400, { error: { code: 'VALIDATION_FAILED', message: 'The request is invalid' } }],
      },
    });
    app.services.outbox.subscribe((event) => {
      if (event.type === 'changed') app.store.dispatch(itemChanged(event.item));
    });
    const item = await saveLocal(app, '2026-11-02T10:00:00.000Z');
    await app.services.outbox.runOnce();
    await app.renderApp(<SessionsScreen />);
    expect(await screen.findByText('Failed: The request is invalid')).toBeTruthy();

    await fireEvent.press(screen.getByRole('button', { name: 'Retry upload' }));
    await waitFor(() => expect(app.store.getState().outbox.items[item.id]?.phase).toBe('pending'));
    app.queryClient.clear();
  });
});

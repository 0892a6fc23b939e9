import type { SessionList } from '@rosin/contracts/sessions';
import { AppState } from 'react-native';
import { startOutboxRunner } from '../../lib/outbox/outbox-runner';
import { sessionKeys } from '../queries/sessions';
import type { AppThunk } from '../store';
import { connectivityChanged, itemChanged, itemDelivered, itemRemoved, itemsLoaded } from '../outbox-slice';
import { signedOut } from '../session-slice';
import { restoreSession } from './auth-actions';

/**
 * Wires the device to the store once at start: outbox rows → Redux, deliveries → the query cache,
 * connectivity → Redux, and the runner that sends the outbox. Answers the teardown.
 */
export const startApp = (): AppThunk<Promise<() => void>> => async (dispatch, _getState, services) => {
  const unsubscribeOutbox = services.outbox.subscribe((event) => {
    if (event.type === 'changed') dispatch(itemChanged(event.item));
    if (event.type === 'removed') dispatch(itemRemoved(event.id));
    if (event.type === 'delivered') {
      dispatch(itemDelivered(event.id));
      // Optimistic: the list shows the server's answer at once, then refetches the truth.
      const delivered = event.session;
      if (delivered) {
        services.queryClient.setQueriesData<SessionList>({ queryKey: sessionKeys.lists() }, (list) =>
          list && !list.sessions.some((session) => session.id === delivered.id)
            ? { ...list, sessions: [delivered, ...list.sessions] }
            : list,
        );
      }
      void services.queryClient.invalidateQueries({ queryKey: sessionKeys.all });
    }
  });
  services.onSignedOut = () => {
    services.currentUser.value = null;
    services.queryClient.clear();
    dispatch(signedOut());
  };
  dispatch(connectivityChanged(services.network.isOnline()));
  const unsubscribeNetwork = services.network.subscribe((online) => {
    dispatch(connectivityChanged(online));
    if (online) void services.queryClient.invalidateQueries();
  });

  await dispatch(restoreSession());
  dispatch(itemsLoaded(await services.outbox.list().catch(() => [])));

  const runner = startOutboxRunner({
    outbox: services.outbox,
    network: services.network,
    subscribeForeground: (listener) => {
      const subscription = AppState.addEventListener('change', (state) => {
        if (state === 'active') listener();
      });
      return () => subscription.remove();
    },
  });
  services.kickOutbox = () => void runner.kick();

  return () => {
    runner.stop();
    unsubscribeOutbox();
    unsubscribeNetwork();
    services.kickOutbox = () => undefined;
    services.onSignedOut = () => undefined;
  };
};

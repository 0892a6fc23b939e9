import { QueryClientProvider } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { Provider } from 'react-redux';
import type { AppServices } from './services/app-services';
import { ServicesProvider } from './services/services-context';
import { startApp } from './state/actions/app-actions';
import type { AppStore } from './state/store';

/** Redux, TanStack Query and the services, plus the one-time start (session restore, outbox runner). */
export function AppProviders({
  services,
  store,
  children,
  start = true,
}: {
  services: AppServices;
  store: AppStore;
  children: ReactNode;
  start?: boolean;
}) {
  useEffect(() => {
    if (!start) return;
    let teardown: (() => void) | null = null;
    let cancelled = false;
    void store.dispatch(startApp()).then((stop) => {
      if (cancelled) stop();
      else teardown = stop;
    });
    return () => {
      cancelled = true;
      teardown?.();
    };
  }, [services, store, start]);

  return (
    <ServicesProvider services={services}>
      <Provider store={store}>
        <QueryClientProvider client={services.queryClient}>{children}</QueryClientProvider>
      </Provider>
    </ServicesProvider>
  );
}

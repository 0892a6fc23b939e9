import NetInfo from '@react-native-community/netinfo';

/** Connectivity as NetInfo reports it (web: navigator.onLine and the online/offline events). */
export interface NetworkMonitor {
  isOnline(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

/**
 * "Online" means the Rosin API answers: NetInfo's reachability probe is pointed at its /healthz (on web the
 * default would HEAD the page's origin; on native, a Google URL that says nothing about our server).
 */
export function createNetInfoMonitor(apiBaseUrl: string): NetworkMonitor {
  NetInfo.configure({
    reachabilityUrl: `${apiBaseUrl.replace(/\/+$/, '')}/healthz`,
    reachabilityMethod: 'GET',
    reachabilityTest: async (response) => response.status === 200,
  });
  let online = true;
  const listeners = new Set<(online: boolean) => void>();
  let unsubscribe: (() => void) | null = null;
  const start = () => {
    unsubscribe ??= NetInfo.addEventListener((state) => {
      // isInternetReachable is null while unknown: trust isConnected until it knows better.
      const next = state.isConnected !== false && state.isInternetReachable !== false;
      if (next === online) return;
      online = next;
      for (const listener of listeners) listener(online);
    });
  };
  return {
    isOnline: () => online,
    subscribe(listener) {
      start();
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          unsubscribe?.();
          unsubscribe = null;
        }
      };
    },
  };
}

/** For tests: flip it by hand. */
export function createManualNetworkMonitor(initial = true): NetworkMonitor & { set(online: boolean): void } {
  let online = initial;
  const listeners = new Set<(online: boolean) => void>();
  return {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      online = next;
      for (const listener of listeners) listener(next);
    },
  };
}

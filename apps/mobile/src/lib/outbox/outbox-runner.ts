import type { NetworkMonitor } from '../network/network-monitor';
import type { Outbox } from './outbox';

export interface OutboxRunnerOptions {
  outbox: Outbox;
  network: NetworkMonitor;
  now?: () => number;
  /** Run on app foreground, too (AppState); injected so tests need no React Native. */
  subscribeForeground?: (listener: () => void) => () => void;
}

/**
 * Drives the outbox: runs it now, whenever the network comes back or the app returns to the foreground, and
 * when the earliest backed-off item becomes due. Returns `kick` (after a save or a retry) and `stop`.
 */
export function startOutboxRunner({
  outbox,
  network,
  now = Date.now,
  subscribeForeground,
}: OutboxRunnerOptions) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const schedule = async () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const due = await outbox.nextDueAt();
    if (stopped || due === null || !network.isOnline()) return;
    timer = setTimeout(() => void kick(), Math.max(250, due - now()));
  };

  const kick = async () => {
    if (stopped) return;
    try {
      await outbox.runOnce();
    } catch (error) {
      console.warn('outbox run failed', error);
    }
    await schedule();
  };

  const unsubscribeNetwork = network.subscribe((online) => {
    if (online) void kick();
  });
  const unsubscribeForeground = subscribeForeground?.(() => void kick());
  void kick();

  return {
    kick,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      unsubscribeNetwork();
      unsubscribeForeground?.();
    },
  };
}

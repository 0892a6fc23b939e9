/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a random time in
 * [base·2ⁿ⁻¹ / 2, base·2ⁿ⁻¹], capped. Jitter keeps a classroom of phones that regain Wi-Fi together from
 * hammering the server in step. `random` is injected so tests are deterministic.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 5 * 60_000 };

export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

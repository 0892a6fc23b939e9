/**
 * @jest-environment node
 */
import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it('doubles from 2 s up to 5 min, with jitter in the upper half', () => {
    expect(backoffDelayMs(1, undefined, () => 1)).toBe(2_000);
    expect(backoffDelayMs(1, undefined, () => 0)).toBe(1_000);
    expect(backoffDelayMs(4, undefined, () => 1)).toBe(16_000);
    expect(backoffDelayMs(30, undefined, () => 1)).toBe(300_000);
    expect(backoffDelayMs(30, undefined, () => 0)).toBe(150_000);
  });
});

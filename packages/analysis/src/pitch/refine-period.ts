/**
 * Precise period of the waveform around one instant, given a rough guess (e.g. from the YIN track).
 * The difference function sum (x[j] - x[j + tau])^2 is evaluated directly over a short window.
 *
 * Why: any pitch estimate averages the pitch over its window. A 46 ms window reads a 6 Hz vibrato at
 * ~80 % of its true width, a 93 ms window at ~60 %. Here the window is only `windowSamples` long
 * (two periods, or 8 ms for high notes), so vibrato keeps almost all of its width; the remaining
 * loss is a known sinc factor that `vibrato.ts` divides out.
 *
 * Returns the period in samples (fractional), or NaN when the search leaves the signal.
 */
export function refinePeriod(
  samples: Float32Array,
  centre: number,
  periodGuess: number,
  windowSamples: number,
): number {
  const w = Math.max(8, Math.round(windowSamples));
  const start = Math.round(centre - (w + periodGuess) / 2);
  if (start < 0 || start + w + periodGuess * 1.1 + 2 >= samples.length) return Number.NaN;

  const diff = (tau: number): number => {
    let sum = 0;
    for (let j = start; j < start + w; j++) {
      const e = samples[j]! - samples[j + tau]!;
      sum += e * e;
    }
    return sum;
  };

  // Search every lag within +-7 % (about a semitone) of the guess. The guess comes from the
  // long-window track, which under-reads a vibrato's swing, and the difference function has small
  // ripples, so hill-climbing from it can stop short of the true period.
  const lo = Math.max(2, Math.floor(periodGuess * 0.93));
  const hi = Math.ceil(periodGuess * 1.07);
  let best = lo;
  let bestValue = Infinity;
  for (let tau = lo; tau <= hi; tau++) {
    const value = diff(tau);
    if (value < bestValue) {
      bestValue = value;
      best = tau;
    }
  }
  if (best === lo || best === hi) return best;
  const left = diff(best - 1);
  const right = diff(best + 1);
  const denom = left - 2 * bestValue + right;
  return denom > 0 ? best + Math.max(-1, Math.min(1, (0.5 * (left - right)) / denom)) : best;
}

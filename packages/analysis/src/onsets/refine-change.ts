import type { PitchChange } from './pitch-changes';

/**
 * Sharpen the time of a slurred note change with short windows. The pitch track's 46 ms frames
 * every 10 ms place a change only to within ~5-10 ms, and the low cello notes change pitch inside
 * a single frame. Here, every 2 ms, a window of 1.5 periods of the lower note is compared with
 * itself one period of the old note later and one period of the new note later; the new note has
 * begun where the new period fits better than the old one.
 *
 * Returns the refined time in seconds, or null when the two hypotheses never cross near the
 * coarse time (then the coarse time stands).
 */
export function refineChangeTime(
  samples: Float32Array,
  sampleRate: number,
  change: PitchChange,
  searchBeforeS = 0.06,
  searchAfterS = 0.04,
): number | null {
  const oldPeriod = sampleRate / (440 * 2 ** (change.fromCents / 1200));
  const newPeriod = sampleRate / (440 * 2 ** (change.toCents / 1200));
  const window = Math.round(1.5 * Math.max(oldPeriod, newPeriod));
  // Allow a third of the step (and at most 3 %) around each period: vibrato moves the pitch, and
  // the two ranges must not overlap.
  const ratio = Math.abs(change.toCents - change.fromCents) / 1200;
  const slack = Math.min(0.03, (2 ** ratio - 1) / 3);
  const step = Math.max(1, Math.round(0.002 * sampleRate));
  const from = Math.round((change.timeS - searchBeforeS) * sampleRate);
  const to = Math.round((change.timeS + searchAfterS) * sampleRate);
  const maxLag = Math.ceil(Math.max(oldPeriod, newPeriod) * (1 + slack)) + 1;
  if (from - window / 2 < 0 || to + window / 2 + maxLag >= samples.length) return null;

  const times: number[] = [];
  const scores: number[] = [];
  for (let centre = from; centre <= to; centre += step) {
    const start = Math.round(centre - window / 2);
    const fit = (period: number): number => {
      let best = Infinity;
      for (let lag = Math.floor(period * (1 - slack)); lag <= Math.ceil(period * (1 + slack)); lag++) {
        let diff = 0;
        let energy = 0;
        for (let j = start; j < start + window; j++) {
          const a = samples[j]!;
          const b = samples[j + lag]!;
          diff += (a - b) * (a - b);
          energy += a * a + b * b;
        }
        best = Math.min(best, energy > 0 ? diff / energy : 1);
      }
      return best;
    };
    // The window and its lagged copy span [start, start + window + lag]: centre the estimate there.
    times.push((start + (window + (oldPeriod + newPeriod) / 2) / 2) / sampleRate);
    scores.push(fit(newPeriod) - fit(oldPeriod));
  }
  // The crossing nearest the coarse time after which the new period keeps fitting better.
  let best: number | null = null;
  for (let i = 1; i < scores.length; i++) {
    if (!(scores[i - 1]! >= 0 && scores[i]! < 0)) continue;
    let holds = true;
    for (let k = i; k < Math.min(scores.length, i + 5); k++) if (scores[k]! >= 0) holds = false;
    if (!holds) continue;
    const fraction = scores[i - 1]! / (scores[i - 1]! - scores[i]!);
    const t = times[i - 1]! + fraction * (times[i]! - times[i - 1]!);
    if (best === null || Math.abs(t - change.timeS) < Math.abs(best - change.timeS)) best = t;
  }
  return best;
}

import { median, standardDeviation } from './stats';

export interface TempoEstimate {
  tempoBpm: number | null;
  tempoVarianceMs: number | null;
}

/**
 * Tempo from onsets. The median inter-onset interval gives a first beat length that ignores a few
 * missed or extra onsets; every interval is then expressed as a whole number of beats, and the beat
 * is re-estimated as (sum of intervals) / (sum of beats), which is much less sensitive to timing
 * jitter than the median alone. The variance divides each interval by its number of beats first, so
 * a missed onset (a two-beat interval) does not read as a timing error.
 */
export function estimateTempo(onsetsS: readonly number[]): TempoEstimate {
  if (onsetsS.length < 3) return { tempoBpm: null, tempoVarianceMs: null };
  const iois: number[] = [];
  for (let i = 1; i < onsetsS.length; i++) iois.push(onsetsS[i]! - onsetsS[i - 1]!);
  let beat = median(iois);
  if (!(beat > 0)) return { tempoBpm: null, tempoVarianceMs: null };

  // An extra onset inside a beat splits it into two fractions that only add up to whole beats:
  // drop it before anything else, so it cannot push the true onset after it out instead.
  const offGrid = (beats: number): number => Math.abs(beats - Math.round(beats));
  const onsets = [...onsetsS];
  for (let i = 1; i + 1 < onsets.length; i++) {
    const a = (onsets[i]! - onsets[i - 1]!) / beat;
    const b = (onsets[i + 1]! - onsets[i]!) / beat;
    if ((offGrid(a) > 0.25 || a < 0.5) && (offGrid(b) > 0.25 || b < 0.5) && offGrid(a + b) < 0.2) {
      onsets.splice(i--, 1);
    }
  }
  // Then, of two onsets closer than half a beat (ornaments, double detections), keep the one that
  // sits better on the beat grid of its neighbours.
  const kept = [onsets[0]!];
  for (let i = 1; i < onsets.length; i++) {
    const here = onsets[i]!;
    const last = kept[kept.length - 1]!;
    if (here - last >= 0.5 * beat) {
      kept.push(here);
      continue;
    }
    const before = kept[kept.length - 2];
    const after = onsets[i + 1];
    const cost = (t: number): number =>
      (before === undefined ? 0 : offGrid((t - before) / beat)) +
      (after === undefined ? 0 : offGrid((after - t) / beat));
    if (cost(here) < cost(last)) kept[kept.length - 1] = here;
  }
  if (kept.length < 3) return { tempoBpm: null, tempoVarianceMs: null };

  let perBeat: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    let totalTime = 0;
    let totalBeats = 0;
    perBeat = [];
    for (let i = 1; i < kept.length; i++) {
      const ioi = kept[i]! - kept[i - 1]!;
      const beats = Math.max(1, Math.round(ioi / beat));
      totalTime += ioi;
      totalBeats += beats;
      perBeat.push(ioi / beats);
    }
    beat = totalTime / totalBeats;
  }
  return { tempoBpm: 60 / beat, tempoVarianceMs: 1000 * standardDeviation(perBeat) };
}

import type { PitchTrack } from '../pitch/yin';
import { pitchChangeOnsets } from './pitch-changes';
import { pickOnsetPeaks, strongestPeakNear, superFlux } from './superflux';

/**
 * All note onsets: attacks from SuperFlux (détaché, re-bowed repeated notes) plus note changes
 * that have no attack (legato) from the pitch track. A pitch change close to an attack is the same
 * note, so it is dropped in favour of the attack's more precise time.
 */
export function detectOnsets(samples: Float32Array, sampleRate: number, pitch: PitchTrack): number[] {
  const odf = superFlux(samples, sampleRate);
  const changes = pitchChangeOnsets(pitch);
  // A lossy codec (AAC, how phones record) makes weak partials flicker, which the flux reads as
  // attacks in the middle of held notes. A real attack either raises the level (the bow starts after
  // a stop or a rest) or comes with a pitch change; flux peaks with neither are dropped.
  const level = levelRise(samples, sampleRate);
  const attacks = pickOnsetPeaks(odf).filter(
    (a) => level(a) >= MIN_ATTACK_RISE_DB || changes.some((c) => Math.abs(c - a) < ATTACK_PITCH_CHANGE_S),
  );
  const mergeS = 0.1;
  const merged = [...attacks];
  for (const c of changes) {
    if (attacks.some((a) => Math.abs(a - c) < mergeS)) continue;
    // The pitch track sees the change 10-20 ms late and with frame-sized jitter; the flux bump of
    // the new partials marks it more consistently (and matches how attacks are timed).
    merged.push(strongestPeakNear(odf, c, 0.04, 0.02) ?? c);
  }
  return merged.sort((a, b) => a - b);
}

/** An attack must raise the level by this much unless the pitch changes with it. */
const MIN_ATTACK_RISE_DB = 3;
/** How close a pitch change must be to let an attack through without a level rise. */
const ATTACK_PITCH_CHANGE_S = 0.1;

/**
 * Level rise across time t, in dB: the loudest 20 ms window starting 10-110 ms after t minus the
 * quietest 20 ms window ending 10 ms after to 70 ms before t (the stop or dip before a bow attack).
 */
function levelRise(samples: Float32Array, sampleRate: number): (t: number) => number {
  const cumulative = new Float64Array(samples.length + 1);
  for (let i = 0; i < samples.length; i++) cumulative[i + 1] = cumulative[i]! + samples[i]! * samples[i]!;
  const span = Math.round(0.02 * sampleRate);
  const levelDb = (start: number): number => {
    const a = Math.max(0, Math.min(samples.length, start));
    const b = Math.max(0, Math.min(samples.length, start + span));
    return 10 * Math.log10((b > a ? (cumulative[b]! - cumulative[a]!) / (b - a) : 0) + 1e-12);
  };
  const step = Math.round(0.01 * sampleRate);
  return (t) => {
    const at = Math.round(t * sampleRate);
    let before = Infinity;
    for (let k = -9; k <= -1; k++) before = Math.min(before, levelDb(at + k * step));
    let after = -Infinity;
    for (let k = 1; k <= 11; k++) after = Math.max(after, levelDb(at + k * step));
    return after - before;
  };
}

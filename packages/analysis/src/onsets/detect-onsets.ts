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
  const attacks = pickOnsetPeaks(odf);
  const changes = pitchChangeOnsets(pitch);
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

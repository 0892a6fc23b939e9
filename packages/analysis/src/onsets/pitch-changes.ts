import type { PitchTrack } from '../pitch/yin';
import { median } from '../stats';

export interface PitchChangeOptions {
  /** How far (cents) the pitch must move between the two sides to count as a new note. */
  minStepCents?: number;
  /**
   * Length of the stretch compared on each side. It must cover most of a vibrato cycle (a 4.5 Hz
   * vibrato lasts 222 ms) or a wide vibrato reads as note changes; notes shorter than this are only
   * found by their attack.
   */
  sideS?: number;
  /** Each side must be a held pitch: median absolute deviation at most this many cents. */
  maxSpreadCents?: number;
  /**
   * ...and the stretch after must not be this much quieter than the one before (a reverberant tail
   * fades). Slurred notes differ in level by several dB themselves (strings, body and room colour
   * each pitch differently): 4 dB lost real note changes.
   */
  maxFadeDb?: number;
}

export interface PitchChange {
  /** When the pitch left the old note (a quarter of the way to the new one), seconds. */
  timeS: number;
  /** Median pitch of the stretch before and after, in cents relative to A4 = 440 Hz. */
  fromCents: number;
  toCents: number;
}

/**
 * Note changes without a new attack (legato, slurred notes): compare the median pitch of the
 * stretch just before each frame with the stretch just after it. Medians over 200 ms ignore the
 * vibrato's swing and single-frame tracking errors; a real note change shows as a step.
 */
export function pitchChanges(track: PitchTrack, options: PitchChangeOptions = {}): PitchChange[] {
  const minStep = options.minStepCents ?? 60;
  const side = Math.max(3, Math.round((options.sideS ?? 0.2) / track.hopS));
  const n = track.f0Hz.length;
  const cents = new Float64Array(n);
  for (let i = 0; i < n; i++) cents[i] = 1200 * Math.log2(track.f0Hz[i]! / 440);

  const maxSpread = options.maxSpreadCents ?? 50;
  const maxFade = options.maxFadeDb ?? 8;
  const step = new Float64Array(n);
  const levels = new Float64Array(2 * n);
  const left: number[] = [];
  const right: number[] = [];
  for (let t = side; t + side <= n; t++) {
    left.length = 0;
    right.length = 0;
    for (let k = t - side; k < t; k++) if (!Number.isNaN(cents[k]!)) left.push(cents[k]!);
    for (let k = t; k < t + side; k++) if (!Number.isNaN(cents[k]!)) right.push(cents[k]!);
    // Both sides must be mostly voiced, otherwise this is a note start/end that flux handles.
    if (left.length < 0.75 * side || right.length < 0.75 * side) continue;
    const l = median(left);
    const r = median(right);
    // A new note holds its pitch; the decaying, noisy tail after the last note does not.
    if (spread(left, l) > maxSpread || spread(right, r) > maxSpread) continue;
    // ...and does not start by fading: a reverberant tail is quieter than the note before it and
    // only weakly periodic.
    if (meanLevel(track, t, t + side) < meanLevel(track, t - side, t) - maxFade) continue;
    if (median(Array.from(track.clarity.subarray(t, t + side))) < 0.85) continue;
    step[t] = Math.abs(r - l);
    levels[2 * t] = l;
    levels[2 * t + 1] = r;
  }

  const onsets: PitchChange[] = [];
  for (let t = 1; t < n - 1; t++) {
    const v = step[t]!;
    if (v < minStep) continue;
    let isMax = true;
    for (let k = Math.max(0, t - side); k <= Math.min(n - 1, t + side); k++) {
      if (step[k]! > v || (step[k] === v && k < t)) isMax = false;
    }
    if (!isMax) continue;
    // The step score is flat while both windows sit on either side of the change, so find the
    // first frame closer to the new note than to the old one, then walk back over the transition
    // frames (glide, unvoiced or confused by the overlap of both notes in a reverberant room) to
    // the last frame that still had the old pitch.
    // Frames far outside the two notes are tracking errors: two notes sounding together in a room
    // (the tail of the old one under the new one) can read as their common subharmonic.
    const l = levels[2 * t]!;
    const r = levels[2 * t + 1]!;
    const span = Math.abs(r - l);
    const margin = Math.max(100, 0.5 * span);
    const usable = (k: number): boolean => {
      const c = cents[k]!;
      return !Number.isNaN(c) && c >= Math.min(l, r) - margin && c <= Math.max(l, r) + margin;
    };
    const hasOld = (k: number): boolean => usable(k) && Math.abs(cents[k]! - l) < 0.25 * span;
    let crossing = t;
    for (let k = Math.max(0, t - side); k < Math.min(n, t + side); k++) {
      if (usable(k) && Math.abs(cents[k]! - r) < Math.abs(cents[k]! - l)) {
        crossing = k;
        break;
      }
    }
    let lastOld = crossing - 1;
    while (lastOld >= Math.max(0, t - side) && !hasOld(lastOld)) lastOld--;
    // The new note begins when the pitch leaves the old note: a quarter of the way to the new
    // one. Between two frames, interpolate (the 10 ms frame grid would otherwise read as uneven
    // playing); when the next frame is confused, halfway to it.
    let frame = crossing;
    if (lastOld >= 0 && hasOld(lastOld)) {
      const next = lastOld + 1;
      const from = cents[lastOld]!;
      const boundary = l + 0.25 * (r - l);
      if (next < n && usable(next) && cents[next]! !== from) {
        frame = lastOld + Math.max(0, Math.min(1, (boundary - from) / (cents[next]! - from)));
      } else {
        frame = lastOld + 0.5;
      }
    }
    onsets.push({ timeS: frame * track.hopS, fromCents: l, toCents: r });
  }
  return onsets;
}

function meanLevel(track: PitchTrack, from: number, to: number): number {
  let sum = 0;
  for (let k = from; k < to; k++) sum += track.levelDb[k]!;
  return sum / (to - from);
}

/** Median absolute deviation from `centre`. */
function spread(values: number[], centre: number): number {
  return median(values.map((v) => Math.abs(v - centre)));
}

import { percentile, toDb } from './stats';

export interface FrameLevels {
  /** Seconds between frames; frame i covers [i * hopS, i * hopS + frameS). */
  hopS: number;
  frameS: number;
  levelsDb: Float64Array;
}

/** RMS level in dBFS of 2048-sample frames every 512 samples at 22,050 Hz (same durations at any rate). */
export function frameLevelsDb(samples: Float32Array, sampleRate: number): FrameLevels {
  const frame = Math.max(1, Math.round((2048 * sampleRate) / 22050));
  const hop = Math.max(1, Math.round((512 * sampleRate) / 22050));
  const count = samples.length >= frame ? Math.floor((samples.length - frame) / hop) + 1 : 1;
  const levelsDb = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = i * hop;
    const end = Math.min(samples.length, start + frame);
    let sum = 0;
    for (let j = start; j < end; j++) sum += samples[j]! * samples[j]!;
    levelsDb[i] = toDb(sum / Math.max(1, end - start));
  }
  return { hopS: hop / sampleRate, frameS: frame / sampleRate, levelsDb };
}

/**
 * 95th minus 5th percentile of the frame levels, ignoring frames more than 50 dB below the loudest
 * (silence between notes and room noise would otherwise define the range).
 */
export function dynamicRangeDb(levels: FrameLevels): number | null {
  const active = activeLevels(levels.levelsDb);
  if (active.length < 2) return null;
  return percentile(active, 95) - percentile(active, 5);
}

export function activeLevels(levelsDb: Float64Array): Float64Array {
  let loudest = -Infinity;
  for (const v of levelsDb) loudest = Math.max(loudest, v);
  return levelsDb.filter((v) => v >= loudest - 50);
}

/**
 * Level of each note: the 90th percentile of the frames whose centre lies between its onset and the
 * next one, i.e. how loud the note got, ignoring its attack and the tail of the previous note.
 */
export function noteLevelsDb(
  levels: FrameLevels,
  onsetsS: readonly number[],
  durationS: number,
): (number | null)[] {
  return onsetsS.map((onset, i) => {
    const end = onsetsS[i + 1] ?? durationS;
    const inNote: number[] = [];
    for (let f = 0; f < levels.levelsDb.length; f++) {
      const centre = f * levels.hopS + levels.frameS / 2;
      if (centre >= onset && centre < end) inNote.push(levels.levelsDb[f]!);
    }
    return inNote.length > 0 ? percentile(inNote, 90) : null;
  });
}

/** RMS level (dBFS, 0.1 dB steps) of consecutive blocks for charts; null for digital silence. */
export function loudnessSeries(samples: Float32Array, sampleRate: number, stepS: number): (number | null)[] {
  const block = Math.max(1, Math.round(stepS * sampleRate));
  const out: (number | null)[] = [];
  for (let start = 0; start < samples.length; start += block) {
    const end = Math.min(samples.length, start + block);
    let sum = 0;
    for (let j = start; j < end; j++) sum += samples[j]! * samples[j]!;
    out.push(sum > 0 ? Math.round(toDb(sum / (end - start)) * 10) / 10 : null);
  }
  return out;
}

import { Prng } from './prng';
import type { SynthNote } from './synth';

export type Articulation = 'detache' | 'legato' | 'repeated';

export interface PhraseSpec {
  articulation: Articulation;
  tempoBpm: number;
  /** Standard deviation of each onset's displacement from the grid, ms. */
  jitterMs: number;
  seed: number;
  noteCount: number;
  lowHz: number;
  highHz: number;
}

export interface Phrase {
  notes: SynthNote[];
  onsetsS: number[];
  /** Beats each note lasts (1 or 2): the score the player reads. */
  beats: number[];
  /** Ground-truth tempoVarianceMs: SD of (true interval / its beats). */
  varianceMs: number;
}

const STEPS = [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5];

/**
 * A phrase with known onsets: mostly one-beat notes (some two-beat ones, which a missed onset would
 * look like), pitches wandering in semitone steps within a range, timing jitter on every onset.
 */
export function makePhrase(spec: PhraseSpec): Phrase {
  const rng = new Prng(spec.seed);
  const beatS = 60 / spec.tempoBpm;
  const lowMidi = Math.ceil(69 + 12 * Math.log2(spec.lowHz / 440));
  const highMidi = Math.floor(69 + 12 * Math.log2(spec.highHz / 440));
  let midi = rng.int(lowMidi, highMidi);
  let beat = 0;
  const onsetsS: number[] = [];
  const beats: number[] = [];
  const pitches: number[] = [];
  let repeatLeft = 0;
  for (let i = 0; i < spec.noteCount; i++) {
    const b = rng.next() < 0.15 ? 2 : 1;
    const jitter = Math.max(-2.5, Math.min(2.5, rng.gaussian())) * spec.jitterMs;
    onsetsS.push(0.3 + beat * beatS + jitter / 1000);
    beats.push(b);
    beat += b;
    if (i > 0) {
      if (spec.articulation === 'repeated' && repeatLeft > 0) {
        repeatLeft--;
      } else {
        let next = midi;
        while (next === midi || next < lowMidi || next > highMidi) next = midi + rng.pick(STEPS);
        midi = next;
        if (spec.articulation === 'repeated') repeatLeft = rng.int(1, 3);
      }
    } else if (spec.articulation === 'repeated') {
      repeatLeft = rng.int(1, 3);
    }
    pitches.push(440 * 2 ** ((midi - 69) / 12));
  }
  const notes: SynthNote[] = onsetsS.map((onsetS, i) => {
    const nextOnset = onsetsS[i + 1] ?? onsetsS[i]! + beats[i]! * beatS;
    const ioi = nextOnset - onsetS;
    const legato = spec.articulation === 'legato' && i > 0;
    // Détaché: the bow stops briefly between strokes; legato: the tone runs into the next note.
    const durationS = spec.articulation === 'legato' ? ioi : ioi - rng.uniform(0.03, 0.07);
    return { onsetS, durationS, hz: pitches[i]!, legato };
  });
  const perBeat: number[] = [];
  for (let i = 1; i < onsetsS.length; i++) perBeat.push((onsetsS[i]! - onsetsS[i - 1]!) / beats[i - 1]!);
  const m = perBeat.reduce((a, b) => a + b, 0) / perBeat.length;
  const varianceMs = 1000 * Math.sqrt(perBeat.reduce((a, b) => a + (b - m) ** 2, 0) / perBeat.length);
  return { notes, onsetsS, beats, varianceMs };
}

/** Onset F-measure with one-to-one matching inside ±tolerance. */
export function onsetFMeasure(
  detected: readonly number[],
  truth: readonly number[],
  toleranceS = 0.05,
): { f: number; precision: number; recall: number; matchedOffsetsS: number[] } {
  const used = new Set<number>();
  const offsets: number[] = [];
  for (const t of truth) {
    let best = -1;
    for (let i = 0; i < detected.length; i++) {
      if (used.has(i) || Math.abs(detected[i]! - t) > toleranceS) continue;
      if (best < 0 || Math.abs(detected[i]! - t) < Math.abs(detected[best]! - t)) best = i;
    }
    if (best >= 0) {
      used.add(best);
      offsets.push(detected[best]! - t);
    }
  }
  const precision = detected.length > 0 ? used.size / detected.length : 0;
  const recall = truth.length > 0 ? used.size / truth.length : 0;
  const f = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { f, precision, recall, matchedOffsetsS: offsets };
}

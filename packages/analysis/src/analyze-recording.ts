import type { GyroscopeSample, StabilityResult, VideoFrames } from './bow-stability';
import { gyroscopeStability, videoStability } from './bow-stability';
import { dynamicRangeDb, frameLevelsDb, loudnessSeries, noteLevelsDb } from './dynamics';
import { AnalysisInputError } from './errors';
import { detectOnsets } from './onsets/detect-onsets';
import { lowPassFir } from './pitch/decimate';
import { harmonicVibratoExtent } from './pitch/harmonic-vibrato';
import { refinePeriod } from './pitch/refine-period';
import type { PitchTrack } from './pitch/yin';
import { trackPitchYin } from './pitch/yin';
import { median, round } from './stats';
import { estimateTempo } from './tempo';
import { fitVibrato } from './vibrato';

/** Bump when a change makes results differ from stored ones, so sessions can be re-analysed. */
export const ANALYSIS_VERSION = '1.3.0';

export interface RecordingInput {
  /** Mono PCM, nominally in [-1, 1]. */
  samples: Float32Array;
  sampleRate: number;
  gyroscope?: readonly GyroscopeSample[];
  videoFrames?: VideoFrames;
  /**
   * Bow stability already measured from the video (`videoMotionFromFile` streams the frames from
   * the decoder); used like `videoFrames`, which it replaces. Null: the video was too short.
   */
  videoStability?: StabilityResult | null;
}

export interface NoteAnalysis {
  onsetS: number;
  durationS: number;
  /** Median pitch of the note, null if it was never voiced. */
  pitchHz: number | null;
  /** 90th percentile of the note's frame levels, dBFS. */
  levelDb: number | null;
  vibratoRateHz: number | null;
  /** Peak-to-peak vibrato width in cents; 0 when the note has no vibrato; null if too short to tell. */
  vibratoExtentCents: number | null;
}

export interface RecordingAnalysis {
  analysisVersion: string;
  durationS: number;
  onsetsS: number[];
  tempoBpm: number | null;
  tempoVarianceMs: number | null;
  dynamicRangeDb: number | null;
  vibratoRateHz: number | null;
  vibratoExtentCents: number | null;
  bowStability: number | null;
  bowStabilitySource: 'gyroscope' | 'video' | null;
  notes: NoteAnalysis[];
  series: {
    /** RMS level in dBFS of consecutive 100 ms blocks. */
    loudnessDb: { stepS: number; values: (number | null)[] };
    /** Pitch in cents relative to A4 = 440 Hz every 50 ms; null where unvoiced. */
    pitchCents: { stepS: number; referenceHz: number; values: (number | null)[] };
  };
}

/** Quieter than this everywhere and we call the recording silent rather than analyse noise. */
const SILENT_DBFS = -60;
/** Notes whose fitted vibrato explains less of the pitch movement than this are "plain". */
const VIBRATO_MIN_EXPLAINED = 0.3;
const VIBRATO_MIN_EXTENT_CENTS = 10;
/** A note's frames this far below its median level are its release or the room's tail. */
const FADING_DB = 5;

/** Every metric for one recording. Pure: no I/O, deterministic for the same input. */
export function analyzeRecording(input: RecordingInput): RecordingAnalysis {
  const { samples, sampleRate } = input;
  if (!(sampleRate > 0) || samples.length === 0) throw new AnalysisInputError('recording is empty');
  const durationS = samples.length / sampleRate;

  const levels = frameLevelsDb(samples, sampleRate);
  let loudest = -Infinity;
  for (const v of levels.levelsDb) loudest = Math.max(loudest, v);
  if (loudest < SILENT_DBFS) {
    throw new AnalysisInputError(`recording is silent (loudest level ${loudest.toFixed(0)} dBFS)`);
  }

  // Frames far below the loudest are room noise, not notes: do not let the tracker find pitch there.
  const pitch = trackPitchYin(samples, sampleRate, { silenceDb: Math.max(-70, loudest - 45) });
  const onsetsS = detectOnsets(samples, sampleRate, pitch);
  const tempo = estimateTempo(onsetsS);
  const noteLevels = noteLevelsDb(levels, onsetsS, durationS);

  const notes: NoteAnalysis[] = onsetsS.map((onsetS, i) => {
    const endS = onsetsS[i + 1] ?? durationS;
    const vibrato = noteVibrato(samples, sampleRate, pitch, onsetS, endS);
    return {
      onsetS: round(onsetS, 3),
      durationS: round(endS - onsetS, 3),
      pitchHz: notePitch(pitch, onsetS, endS),
      levelDb: roundOrNull(noteLevels[i] ?? null, 1),
      vibratoRateHz: vibrato && vibrato.extentCents > 0 ? round(vibrato.rateHz, 2) : null,
      vibratoExtentCents: vibrato ? round(vibrato.extentCents, 1) : null,
    };
  });

  // Recording-level vibrato: duration-weighted over the notes that have one.
  let weight = 0;
  let rateSum = 0;
  let extentSum = 0;
  for (const note of notes) {
    if (note.vibratoRateHz == null || note.vibratoExtentCents == null) continue;
    weight += note.durationS;
    rateSum += note.vibratoRateHz * note.durationS;
    extentSum += note.vibratoExtentCents * note.durationS;
  }
  const anyMeasured = notes.some((n) => n.vibratoExtentCents != null);

  const gyro = input.gyroscope ? gyroscopeStability(input.gyroscope) : null;
  const video = gyro
    ? null
    : input.videoStability !== undefined
      ? input.videoStability
      : input.videoFrames
        ? videoStability(input.videoFrames)
        : null;
  const stability = gyro ?? video;

  return {
    analysisVersion: ANALYSIS_VERSION,
    durationS: round(durationS, 3),
    onsetsS: onsetsS.map((t) => round(t, 3)),
    tempoBpm: roundOrNull(tempo.tempoBpm, 2),
    tempoVarianceMs: roundOrNull(tempo.tempoVarianceMs, 1),
    dynamicRangeDb: roundOrNull(dynamicRangeDb(levels), 1),
    vibratoRateHz: weight > 0 ? round(rateSum / weight, 2) : null,
    vibratoExtentCents: weight > 0 ? round(extentSum / weight, 1) : anyMeasured ? 0 : null,
    bowStability: stability ? round(stability.score, 1) : null,
    bowStabilitySource: gyro ? 'gyroscope' : video ? 'video' : null,
    notes,
    series: {
      loudnessDb: { stepS: 0.1, values: loudnessSeries(samples, sampleRate, 0.1) },
      pitchCents: { stepS: 0.05, referenceHz: 440, values: pitchSeries(pitch, 0.05) },
    },
  };
}

function roundOrNull(value: number | null, decimals: number): number | null {
  return value == null || !Number.isFinite(value) ? null : round(value, decimals);
}

function voicedFrames(pitch: PitchTrack, fromS: number, toS: number): number[] {
  const out: number[] = [];
  const first = Math.max(0, Math.ceil(fromS / pitch.hopS));
  const last = Math.min(pitch.f0Hz.length - 1, Math.floor(toS / pitch.hopS));
  for (let t = first; t <= last; t++) if (!Number.isNaN(pitch.f0Hz[t]!)) out.push(t);
  return out;
}

function notePitch(pitch: PitchTrack, fromS: number, toS: number): number | null {
  const frames = voicedFrames(pitch, fromS, toS);
  return frames.length > 0 ? round(median(frames.map((t) => pitch.f0Hz[t]!)), 2) : null;
}

/**
 * Vibrato of one note, measured on its steady part (after the attack, before the next note) with a
 * short-window pitch estimate per 10 ms frame. Null if the steady part is too short to hold two
 * cycles; extent 0 when the pitch movement is not a vibrato.
 */
function noteVibrato(
  samples: Float32Array,
  sampleRate: number,
  pitch: PitchTrack,
  onsetS: number,
  endS: number,
): { rateHz: number; extentCents: number } | null {
  const frames = voicedFrames(pitch, onsetS + 0.15, endS - 0.1);
  // Longest run of consecutive voiced frames.
  let bestStart = 0;
  let bestLength = 0;
  for (let i = 0, start = 0; i < frames.length; i++) {
    if (i > 0 && frames[i]! !== frames[i - 1]! + 1) start = i;
    if (i - start + 1 > bestLength) {
      bestLength = i - start + 1;
      bestStart = start;
    }
  }
  const run = trimFadingEnds(frames.slice(bestStart, bestStart + bestLength), pitch);
  const frameRate = 1 / pitch.hopS;
  const minRateHz = 3.5;
  if (run.length < (2 * frameRate) / minRateHz) return null;

  const noteHz = median(run.map((t) => pitch.f0Hz[t]!));
  const period = sampleRate / noteHz;
  const window = Math.max(2 * period, 0.008 * sampleRate);
  // For high notes the period is only ~20 samples and the parabolic interpolation of the
  // difference function is biased by the upper partials; keeping the first few harmonics makes the
  // sub-sample estimate accurate. Low notes have enough samples per period to skip this.
  const firstSample = Math.max(0, Math.floor(run[0]! * pitch.hopS * sampleRate - 2 * window - 2 * period));
  const lastSample = Math.min(
    samples.length,
    Math.ceil(run[run.length - 1]! * pitch.hopS * sampleRate + 2 * window + 2 * period),
  );
  const segment = samples.subarray(firstSample, lastSample);
  const cutoff = (4 * noteHz) / sampleRate;
  const source = noteHz > 300 ? lowPassFir(segment, cutoff, Math.max(4, Math.ceil(2 / cutoff))) : segment;
  const cents = new Float64Array(run.length);
  let valid = 0;
  for (const t of run) {
    // The long-window track can slip an octave for a frame; then start from the note's pitch.
    const coarse = pitch.f0Hz[t]!;
    const guess = Math.abs(1200 * Math.log2(coarse / noteHz)) > 150 ? period : sampleRate / coarse;
    const p = refinePeriod(source, t * pitch.hopS * sampleRate - firstSample, guess, window);
    if (Number.isNaN(p)) continue;
    cents[valid++] = 1200 * Math.log2(sampleRate / p / 440);
  }
  const fit = fitVibrato(cents.subarray(0, valid), frameRate, {
    minRateHz,
    pitchWindowS: window / sampleRate,
  });
  if (!fit) return null;
  const hasVibrato = fit.explained >= VIBRATO_MIN_EXPLAINED && fit.extentCents >= VIBRATO_MIN_EXTENT_CENTS;
  if (!hasVibrato) return { rateHz: fit.rateHz, extentCents: 0 };
  // The rate and the decision come from the waveform's period; the width from the harmonics one by
  // one, which a room does not narrow (see harmonicVibratoExtent).
  const fromS = run[0]! * pitch.hopS;
  const toS = run[run.length - 1]! * pitch.hopS;
  const extent = harmonicVibratoExtent(samples, sampleRate, fromS, toS, noteHz, fit.rateHz);
  return { rateHz: fit.rateHz, extentCents: extent ?? fit.extentCents };
}

/**
 * Drop the frames at either end of a note that are more than FADING_DB below its median level: the
 * release and, in a room, the reverberation after it, which is still voiced but carries a smeared
 * pitch (a vibrato there reads narrower than the one the player made).
 */
function trimFadingEnds(run: number[], pitch: PitchTrack): number[] {
  if (run.length === 0) return run;
  const floor = median(run.map((t) => pitch.levelDb[t]!)) - FADING_DB;
  let from = 0;
  let to = run.length - 1;
  while (from < to && pitch.levelDb[run[from]!]! < floor) from++;
  while (to > from && pitch.levelDb[run[to]!]! < floor) to--;
  return run.slice(from, to + 1);
}

function pitchSeries(pitch: PitchTrack, stepS: number): (number | null)[] {
  const per = Math.max(1, Math.round(stepS / pitch.hopS));
  const out: (number | null)[] = [];
  for (let start = 0; start < pitch.f0Hz.length; start += per) {
    const voiced: number[] = [];
    for (let t = start; t < Math.min(pitch.f0Hz.length, start + per); t++) {
      if (!Number.isNaN(pitch.f0Hz[t]!)) voiced.push(pitch.f0Hz[t]!);
    }
    out.push(voiced.length * 2 >= per ? Math.round(1200 * Math.log2(median(voiced) / 440)) : null);
  }
  return out;
}

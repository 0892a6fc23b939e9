import { median } from '../stats';
import { fitVibrato } from '../vibrato';
import { decimate } from './decimate';

/** Harmonics followed: enough for a robust median, few enough to stay cheap. */
const MAX_HARMONIC = 12;
/** Above this the partials of bowed strings are weak and the room's noise dominates. */
const MAX_HARMONIC_HZ = 4000;
/**
 * Window length in periods of the note. 2.5 periods keep each harmonic apart from its neighbours
 * (they sit in the Hann window's side lobes) while seeing as little of the room's past as possible;
 * longer windows mix in more of the reverberation and read narrower again.
 */
const WINDOW_PERIODS = 2.5;
const HOP_S = 0.01;
/** A harmonic counts if a sinusoid at the note's rate explains this much of its movement. */
const MIN_EXPLAINED = 0.5;

/**
 * Peak-to-peak vibrato width (cents) of one note, measured on each harmonic separately.
 *
 * Why: in a room every partial reaches the microphone through its own random phase response, so
 * each partial's frequency swing arrives with its own delay. A period estimate over the whole
 * waveform (`refinePeriod`) averages the partials and so averages swings that are out of step:
 * an 85-cent vibrato read 72-78 cents at RT60 0.4-0.8 s. Each harmonic on its own keeps its full
 * swing (a delay does not change an amplitude), so the median over the harmonics keeps the width.
 *
 * Each harmonic's instantaneous frequency is the phase advance, over one sample, of a Hann-windowed
 * DFT at h x the note's pitch, every 10 ms. The rate is already known (from `refinePeriod`'s track);
 * each harmonic fits a sinusoid within 0.25 Hz of it. The window's own smoothing (a weighted mean of
 * the frequency over 2.5 periods) is divided back out.
 *
 * Returns null when no harmonic shows the vibrato clearly (then the caller's estimate stands).
 */
export function harmonicVibratoExtent(
  samples: Float32Array,
  sampleRate: number,
  fromS: number,
  toS: number,
  noteHz: number,
  rateHz: number,
): number | null {
  const harmonics = Math.max(1, Math.min(MAX_HARMONIC, Math.floor(MAX_HARMONIC_HZ / noteHz)));
  // Low notes only need a few hundred Hz: decimate so the DFT sums are short (a 65 Hz note's
  // harmonics fit under 1 kHz, a twelfth of the samples). The decimating low-pass passes 0.9 of the
  // new Nyquist frequency; keep the top harmonic and its vibrato swing below it.
  const factor = Math.max(1, Math.floor((0.45 * sampleRate) / (harmonics * noteHz * 1.05)));
  const margin = Math.ceil((WINDOW_PERIODS * sampleRate) / noteHz) + 16 * factor;
  const first = Math.max(0, Math.floor(fromS * sampleRate) - margin);
  const last = Math.min(samples.length, Math.ceil(toS * sampleRate) + margin);
  const x = decimate(samples.subarray(first, last), factor);
  const sr = sampleRate / factor;
  const length = Math.max(8, Math.round((WINDOW_PERIODS * sr) / noteHz));
  const window = new Float64Array(length);
  for (let i = 0; i < length; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / length);

  const hop = Math.max(1, Math.round(HOP_S * sr));
  const startFrom = Math.max(0, Math.round((fromS * sampleRate - first) / factor - length / 2));
  const startTo = Math.min(
    x.length - length - 1,
    Math.round((toS * sampleRate - first) / factor - length / 2),
  );
  const frameCount = Math.floor((startTo - startFrom) / hop) + 1;
  if (frameCount < 2) return null;

  const extents: number[] = [];
  const cents = new Float64Array(frameCount);
  for (let h = 1; h <= harmonics; h++) {
    const centreHz = h * noteHz;
    const step = (2 * Math.PI * centreHz) / sr;
    const cosStep = Math.cos(step);
    const sinStep = Math.sin(step);
    for (let f = 0; f < frameCount; f++) {
      const s = startFrom + f * hop;
      // Two DFTs at the harmonic, one sample apart, sharing one rotating phasor e^{-i step n}.
      let pr = 1;
      let pi = 0;
      let re0 = 0;
      let im0 = 0;
      let re1 = 0;
      let im1 = 0;
      for (let i = 0; i <= length; i++) {
        const v = x[s + i]!;
        if (i < length) {
          const w = window[i]! * v;
          re0 += w * pr;
          im0 += w * pi;
        }
        if (i > 0) {
          const w = window[i - 1]! * v;
          re1 += w * pr;
          im1 += w * pi;
        }
        const next = pr * cosStep + pi * sinStep;
        pi = pi * cosStep - pr * sinStep;
        pr = next;
      }
      const advance = Math.atan2(re0 * im1 - im0 * re1, re0 * re1 + im0 * im1);
      cents[f] = 1200 * Math.log2(1 + (advance * sr) / (2 * Math.PI * centreHz));
    }

    const fit = fitVibrato(cents, 1 / HOP_S, { minRateHz: rateHz - 0.25, maxRateHz: rateHz + 0.25 });
    if (fit && fit.explained >= MIN_EXPLAINED) extents.push(fit.extentCents);
  }
  if (extents.length === 0) return null;
  return median(extents) / windowAttenuation(window, sr, rateHz);
}

/**
 * How much the windowed DFT's frequency shrinks a sinusoidal swing at `rateHz`: its phase advance
 * is the instantaneous frequency averaged with weight window², so the swing is scaled by that
 * weight's normalised Fourier transform at the rate.
 */
function windowAttenuation(window: Float64Array, sampleRate: number, rateHz: number): number {
  let re = 0;
  let im = 0;
  let total = 0;
  for (let i = 0; i < window.length; i++) {
    const w2 = window[i]! * window[i]!;
    const phase = (2 * Math.PI * rateHz * i) / sampleRate;
    re += w2 * Math.cos(phase);
    im += w2 * Math.sin(phase);
    total += w2;
  }
  return Math.hypot(re, im) / total;
}

import { RealFft, nextPowerOfTwo } from '../fft';
import { decimate } from './decimate';

export interface PitchTrack {
  /** Seconds between frames; frame i is centred at i * hopS. */
  hopS: number;
  /** Fundamental frequency per frame in Hz, NaN where the frame is unvoiced. */
  f0Hz: Float64Array;
  /** 1 - (minimum of YIN's normalised difference): near 1 for clean periodic frames. */
  clarity: Float64Array;
  /** RMS level of each frame's window in dBFS. */
  levelDb: Float64Array;
}

export interface YinOptions {
  minHz?: number;
  maxHz?: number;
  hopS?: number;
  /** Analysis window. ~46 ms holds three periods of a cello's low C (65 Hz). */
  windowS?: number;
  /** YIN's absolute threshold on the cumulative-mean-normalised difference. */
  threshold?: number;
  /** Frames quieter than this (dBFS) are unvoiced. */
  silenceDb?: number;
}

/**
 * YIN pitch tracker (de Cheveigné & Kawahara 2002). The difference function is computed from an
 * FFT autocorrelation of the whole frame (as in McLeod's method) so each frame costs two FFTs
 * instead of O(window x lags) multiplications.
 *
 * This is the "coarse" track: its 46 ms window is robust against octave errors but smooths fast
 * pitch movement (vibrato), which is why vibrato uses `refinePeriod` on top of it.
 */
export function trackPitchYin(
  samples: Float32Array,
  sampleRate: number,
  options: YinOptions = {},
): PitchTrack {
  const minHz = options.minHz ?? 55;
  const maxHz = options.maxHz ?? 2000;
  const hopS = options.hopS ?? 0.01;
  const windowS = options.windowS ?? 0.046;
  const threshold = options.threshold ?? 0.15;
  const silencePower = 10 ** ((options.silenceDb ?? -70) / 10);

  const factor = Math.max(1, Math.floor(sampleRate / 11025));
  const x = decimate(samples, factor);
  const sr = sampleRate / factor;
  const n = Math.round(windowS * sr);
  const fftSize = nextPowerOfTwo(2 * n);
  const fft = new RealFft(fftSize);
  const frame = new Float64Array(fftSize);
  const acf = new Float64Array(fftSize);
  const tauMin = Math.max(2, Math.floor(sr / maxHz));
  const tauMax = Math.min(Math.ceil(sr / minHz), Math.floor(n / 2));
  const d = new Float64Array(tauMax + 2);
  const cmnd = new Float64Array(tauMax + 2);

  const frameCount = Math.max(0, Math.floor(samples.length / sampleRate / hopS) + 1);
  const f0Hz = new Float64Array(frameCount).fill(Number.NaN);
  const clarity = new Float64Array(frameCount);
  const levelDb = new Float64Array(frameCount);

  for (let t = 0; t < frameCount; t++) {
    const start = Math.round(t * hopS * sr - n / 2);
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const j = start + i;
      const v = j >= 0 && j < x.length ? x[j]! : 0;
      frame[i] = v;
      energy += v * v;
    }
    frame.fill(0, n);
    levelDb[t] = energy > 0 ? 10 * Math.log10(energy / n) : -120;
    if (energy / n < silencePower) continue;

    fft.autocorrelation(frame, acf);
    const scale = acf[0]! > 0 ? (2 * energy) / acf[0]! : 0; // undo the FFT's normalisation
    // d(tau) = sum over the overlap of (x_j - x_{j+tau})^2 = m(tau) - 2 r(tau).
    let m = 2 * energy;
    let runningSum = 0;
    cmnd[0] = 1;
    for (let tau = 1; tau <= tauMax + 1; tau++) {
      m -= frame[n - tau]! ** 2 + frame[tau - 1]! ** 2;
      d[tau] = Math.max(0, m - acf[tau]! * scale);
      runningSum += d[tau]!;
      cmnd[tau] = runningSum > 0 ? (d[tau]! * tau) / runningSum : 1;
    }

    // A high note has only ~17 samples per period at this rate, so the true period falls between
    // two integer lags and neither may dip under the threshold, while twice the period happens to
    // land on a lag and does (an octave-low error on the troughs of a violin's vibrato). Judge each
    // dip by its interpolated depth rather than by its deepest integer lag.
    //
    // The first dip under the threshold is YIN's answer (it avoids octave-low errors), unless a much
    // deeper dip follows: in a room that boosts one upper partial of a low cello note, a lag of a
    // fifth or quarter of the period can dip under the threshold while the true period is nearly
    // perfectly periodic.
    let deepest = Infinity;
    for (let tau = Math.max(tauMin, 1); tau <= tauMax; tau++) {
      if (cmnd[tau]! > cmnd[tau - 1]! || cmnd[tau]! > cmnd[tau + 1]!) continue;
      deepest = Math.min(deepest, interpolatedMinimum(cmnd, tau));
    }
    let best = -1;
    for (let tau = Math.max(tauMin, 1); tau <= tauMax; tau++) {
      if (cmnd[tau]! > cmnd[tau - 1]! || cmnd[tau]! > cmnd[tau + 1]!) continue;
      const depth = interpolatedMinimum(cmnd, tau);
      if (depth < threshold && depth <= deepest + DEEPER_DIP_MARGIN) {
        best = tau;
        break;
      }
    }
    if (best < 0) {
      // No dip under the threshold: accept the global minimum only if it is still clearly periodic.
      let min = Infinity;
      for (let tau = tauMin; tau <= tauMax; tau++) {
        if (cmnd[tau]! < min) {
          min = cmnd[tau]!;
          best = tau;
        }
      }
      if (min > 0.35) {
        clarity[t] = 1 - min;
        continue;
      }
    }
    clarity[t] = 1 - cmnd[best]!;
    f0Hz[t] = sr / parabolicMinimum(cmnd, best);
  }
  return { hopS, f0Hz, clarity, levelDb };
}

/** How much deeper a later dip must be to win over the first dip under the threshold. */
const DEEPER_DIP_MARGIN = 0.08;

/** Value at the vertex of the parabola through a minimum and its neighbours. */
function interpolatedMinimum(values: ArrayLike<number>, i: number): number {
  const a = values[i - 1]!;
  const b = values[i]!;
  const c = values[i + 1]!;
  const denom = a - 2 * b + c;
  return denom > 0 ? Math.max(0, b - (a - c) ** 2 / (8 * denom)) : b;
}

/** Sub-sample position of a minimum from the parabola through its neighbours. */
export function parabolicMinimum(values: ArrayLike<number>, i: number): number {
  if (i <= 0 || i >= values.length - 1) return i;
  const a = values[i - 1]!;
  const b = values[i]!;
  const c = values[i + 1]!;
  const denom = a - 2 * b + c;
  if (denom <= 0) return i;
  const offset = (0.5 * (a - c)) / denom;
  return i + Math.max(-1, Math.min(1, offset));
}

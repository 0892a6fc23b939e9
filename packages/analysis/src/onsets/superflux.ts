import { RealFft, hannWindow } from '../fft';

export interface OnsetStrength {
  /** Frames per second of `values`; frame i is centred at i / frameRate seconds. */
  frameRate: number;
  values: Float64Array;
}

/**
 * SuperFlux onset detection function (Böck & Widmer, DAFx 2013): spectral flux on a log-magnitude,
 * log-frequency spectrogram where each band is compared with the *maximum* of its neighbouring
 * bands a few frames earlier. A vibrato moves partials by less than one band per frame, so the
 * maximum filter cancels it, while a new bow stroke (broadband noise plus rising partials) still
 * produces positive flux in many bands at once.
 */
export function superFlux(samples: Float32Array, sampleRate: number): OnsetStrength {
  const frameRate = 100;
  const hop = sampleRate / frameRate;
  // 46 ms window, the paper's 2048 samples at 44.1 kHz.
  const size = sampleRate >= 32000 ? 2048 : 1024;
  const window = hannWindow(size);
  const fft = new RealFft(size);
  const bands = logFilterbank(size, sampleRate, 24, 30, Math.min(16000, sampleRate * 0.45));
  const bandCount = bands.length;

  const frameCount = Math.max(0, Math.floor(samples.length / hop) + 1);
  const frame = new Float64Array(size);
  const power = new Float64Array(size / 2 + 1);
  const bandMagnitudes = (t: number, into: Float64Array): void => {
    const start = Math.round(t * hop - size / 2);
    if (start >= 0 && start + size <= samples.length) {
      for (let i = 0; i < size; i++) frame[i] = samples[start + i]! * window[i]!;
    } else {
      for (let i = 0; i < size; i++) {
        const j = start + i;
        frame[i] = j >= 0 && j < samples.length ? samples[j]! * window[i]! : 0;
      }
    }
    fft.powerSpectrum(frame, power);
    for (let k = 0; k < power.length; k++) power[k] = Math.sqrt(power[k]!);
    for (let b = 0; b < bandCount; b++) {
      const band = bands[b]!;
      const w = band.weights;
      const first = band.firstBin;
      let mag = 0;
      for (let k = 0; k < w.length; k++) mag += power[first + k]! * w[k]!;
      into[b] = mag;
    }
  };

  // Room noise makes the log spectrum flicker in every band, and summed over ~150 bands that
  // flicker looks like an onset. Estimate each band's noise floor (a low percentile over a sample of
  // frames) and subtract a multiple of it before taking logs, so only sound above the noise counts.
  const floor = noiseFloor(frameCount, bandCount, bandMagnitudes);

  // Keep the last few spectra in a ring buffer: only frame t - lag is needed.
  const lag = Math.max(1, Math.round(size / 4 / hop));
  const slots = lag + 1;
  const ring: Float64Array[] = Array.from({ length: slots }, () => new Float64Array(bandCount));
  const values = new Float64Array(frameCount);
  for (let t = 0; t < frameCount; t++) {
    const current = ring[t % slots]!;
    bandMagnitudes(t, current);
    for (let b = 0; b < bandCount; b++) current[b] = Math.log10(1 + Math.max(0, current[b]! - floor[b]!));
    // The end of the file cuts the last windows short; the spectral splatter is not an onset.
    if (t * hop + size / 2 > samples.length) continue;
    // Before the first frame the ring holds zeros: a sound that starts with the file is an onset.
    const previous = ring[(t - lag + slots) % slots]!;
    let flux = 0;
    for (let b = 0; b < bandCount; b++) {
      const ref = Math.max(
        previous[b]!,
        b > 0 ? previous[b - 1]! : 0,
        b + 1 < bandCount ? previous[b + 1]! : 0,
      );
      const diff = current[b]! - ref;
      if (diff > 0) flux += diff;
    }
    values[t] = flux;
  }
  return { frameRate, values };
}

/** 3x the 10th percentile (capped, see below) of each band's magnitude over (up to) 500 evenly spread frames. */
function noiseFloor(
  frameCount: number,
  bandCount: number,
  bandMagnitudes: (t: number, into: Float64Array) => void,
): Float64Array {
  const sampled = Math.min(frameCount, 500);
  const stride = frameCount / Math.max(1, sampled);
  const columns = Array.from({ length: bandCount }, () => new Float64Array(sampled));
  const scratch = new Float64Array(bandCount);
  for (let i = 0; i < sampled; i++) {
    bandMagnitudes(Math.floor(i * stride), scratch);
    for (let b = 0; b < bandCount; b++) columns[b]![i] = scratch[b]!;
  }
  // A note held through the whole recording is not noise: the floor may not exceed -40 dB re the
  // loudest band, or a steady tone would be subtracted away entirely.
  let loudest = 0;
  for (const column of columns) for (const v of column) loudest = Math.max(loudest, v);
  return Float64Array.from(columns, (column) => {
    column.sort();
    return 3 * Math.min(column[Math.floor(0.1 * (column.length - 1))] ?? 0, loudest * 0.01);
  });
}

interface Band {
  firstBin: number;
  weights: Float64Array;
}

/** Triangular filters with centres spaced `perOctave` per octave; duplicate low bands are merged. */
function logFilterbank(
  size: number,
  sampleRate: number,
  perOctave: number,
  minHz: number,
  maxHz: number,
): Band[] {
  const binHz = sampleRate / size;
  const centres: number[] = [];
  for (let f = minHz; f <= maxHz; f *= 2 ** (1 / perOctave)) {
    const bin = Math.round(f / binHz);
    if (centres.length === 0 || bin > centres[centres.length - 1]!) centres.push(bin);
  }
  const bands: Band[] = [];
  for (let i = 1; i + 1 < centres.length; i++) {
    const lo = centres[i - 1]!;
    const mid = centres[i]!;
    const hi = centres[i + 1]!;
    const weights = new Float64Array(hi - lo + 1);
    for (let k = lo; k <= hi; k++) {
      weights[k - lo] = k <= mid ? (k - lo + 1) / (mid - lo + 1) : (hi - k + 1) / (hi - mid + 1);
    }
    bands.push({ firstBin: lo, weights });
  }
  return bands;
}

export interface PeakPickingOptions {
  /** Minimum height above the local average, as a fraction of the function's robust scale. */
  delta?: number;
  preMaxS?: number;
  postMaxS?: number;
  preAvgS?: number;
  postAvgS?: number;
  /** Minimum time between two onsets. */
  combineS?: number;
}

export interface OnsetCandidate {
  /** Rising edge of the detection-function peak (see `risingEdge`), seconds. */
  timeS: number;
  /** The peak itself, seconds. */
  peakS: number;
  /** Height of the peak. */
  strength: number;
}

/**
 * Madmom-style peak picking: local maximum, above a moving average plus a threshold. Returns every
 * peak that passes, with its height, so the caller can weigh it against other evidence.
 */
export function onsetCandidates(odf: OnsetStrength, options: PeakPickingOptions = {}): OnsetCandidate[] {
  const { frameRate, values } = odf;
  const delta = options.delta ?? 0.3;
  const preMax = Math.round((options.preMaxS ?? 0.03) * frameRate);
  const postMax = Math.round((options.postMaxS ?? 0.05) * frameRate);
  const preAvg = Math.round((options.preAvgS ?? 0.15) * frameRate);
  const postAvg = Math.round((options.postAvgS ?? 0.05) * frameRate);
  const combine = options.combineS ?? 0.05;

  // Scale the threshold by the strong peaks of this recording so that quiet and loud recordings
  // (and louder or softer playing) are treated alike.
  const sorted = Float64Array.from(values).sort();
  const scale = sorted[Math.floor(0.995 * (sorted.length - 1))] ?? 0;
  if (!(scale > 0)) return [];
  // ...but never so low that the flicker of a steady tone or of noise counts.
  const threshold = Math.max(delta * scale, 0.5);

  const candidates: OnsetCandidate[] = [];
  for (let t = 0; t < values.length; t++) {
    const v = values[t]!;
    if (v <= threshold) continue;
    let isMax = true;
    for (let k = Math.max(0, t - preMax); k <= Math.min(values.length - 1, t + postMax); k++) {
      if (values[k]! > v || (values[k] === v && k < t)) {
        isMax = false;
        break;
      }
    }
    if (!isMax) continue;
    let sum = 0;
    let count = 0;
    for (let k = Math.max(0, t - preAvg); k <= Math.min(values.length - 1, t + postAvg); k++) {
      sum += values[k]!;
      count++;
    }
    if (v < sum / count + threshold) continue;
    const time = risingEdge(values, t, Math.round(0.04 * frameRate)) / frameRate;
    const last = candidates[candidates.length - 1];
    if (last && time - last.timeS < combine) continue;
    candidates.push({ timeS: time, peakS: t / frameRate, strength: v });
  }
  return candidates;
}

/**
 * Time of the strongest local maximum of the detection function in [t - beforeS, t + afterS], or
 * null if there is none. Used to time legato note changes: their flux peak is too small to count as
 * an attack on its own, but its timing is more precise than the pitch track's 10 ms frames.
 */
export function strongestPeakNear(
  odf: OnsetStrength,
  t: number,
  beforeS: number,
  afterS: number,
): number | null {
  const { frameRate, values } = odf;
  const lo = Math.max(1, Math.floor((t - beforeS) * frameRate));
  const hi = Math.min(values.length - 2, Math.ceil((t + afterS) * frameRate));
  let best = -1;
  for (let k = lo; k <= hi; k++) {
    if (
      values[k]! > values[k - 1]! &&
      values[k]! >= values[k + 1]! &&
      (best < 0 || values[k]! > values[best]!)
    )
      best = k;
  }
  return best < 0 ? null : risingEdge(values, best, Math.round(0.04 * frameRate)) / frameRate;
}

/**
 * Where the detection function first reaches half of the peak at `t`, looking back at most
 * `maxBack` frames, interpolated between frames. In a room a bow attack often gives two flux peaks
 * (the scratch, then the partials building up) and which one is higher varies from note to note;
 * the rising edge of the first one is a steadier time for the onset than the higher peak.
 */
function risingEdge(values: Float64Array, t: number, maxBack: number): number {
  const half = values[t]! / 2;
  for (let k = Math.max(1, t - maxBack); k <= t; k++) {
    if (values[k]! >= half) {
      const below = values[k - 1]!;
      return below < half ? k - 1 + (half - below) / (values[k]! - below) : k;
    }
  }
  return t;
}

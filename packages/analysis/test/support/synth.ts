import FFT from 'fft.js';
import { Prng } from './prng';

/** One note of a generated phrase. */
export interface SynthNote {
  onsetS: number;
  /** Sounding length including the release. */
  durationS: number;
  hz: number;
  /** Slurred from the previous note: no new attack, only the pitch changes (in ~30 ms). */
  legato?: boolean;
}

export interface BowedOptions {
  sampleRate: number;
  seed: number;
  vibrato?: { rateHz: number; widthCents: number };
  /** Level envelope in dB as a function of time (crescendo/diminuendo); default flat. */
  gainDb?: (tS: number) => number;
  /** Bow noise level relative to the harmonic tone. */
  bowNoiseDb?: number;
  attackS?: number;
  releaseS?: number;
  /** Silence after the last note. */
  tailS?: number;
  /** Peak amplitude of the tone's fundamental. */
  amplitude?: number;
}

/**
 * A bowed-string-like tone: a sawtooth-ish harmonic series (Helmholtz motion) with a fixed random
 * "body" colouring per seed, bow noise that follows the envelope and bursts at each attack, optional
 * vibrato and a dB envelope. Phase is continuous across legato notes like a real slur.
 */
export function renderBowed(notes: readonly SynthNote[], options: BowedOptions): Float32Array {
  const sr = options.sampleRate;
  const rng = new Prng(options.seed);
  const attack = options.attackS ?? 0.04;
  const release = options.releaseS ?? 0.05;
  const last = notes[notes.length - 1]!;
  const length = Math.ceil((last.onsetS + last.durationS + (options.tailS ?? 0.5)) * sr);
  const out = new Float32Array(length);
  const body = Array.from({ length: 40 }, () => 10 ** (rng.uniform(-6, 3) / 20));
  const noiseGain = 10 ** ((options.bowNoiseDb ?? -30) / 20);
  const amplitude = options.amplitude ?? 0.25;
  const vibratoPhase = rng.uniform(0, 2 * Math.PI);
  let phase = 0;
  let noiseState = 0;

  // Per-sample envelope and frequency, note by note; legato notes continue the previous envelope.
  const env = new Float32Array(length);
  const freq = new Float32Array(length);
  const attackBurst = new Float32Array(length);
  notes.forEach((note, i) => {
    const start = Math.round(note.onsetS * sr);
    const end = Math.min(length, Math.round((note.onsetS + note.durationS) * sr));
    const previous = i > 0 ? notes[i - 1] : undefined;
    const slurred = note.legato === true && previous !== undefined;
    // A slur into the next note keeps the bow moving: no release before it.
    const slurNext = notes[i + 1]?.legato === true;
    for (let j = start; j < end; j++) {
      const t = (j - start) / sr;
      const toEnd = (end - j) / sr;
      const rise = slurred ? 1 : t < attack ? 0.5 - 0.5 * Math.cos((Math.PI * t) / attack) : 1;
      const fall = !slurNext && toEnd < release ? 0.5 - 0.5 * Math.cos((Math.PI * toEnd) / release) : 1;
      env[j] = Math.max(env[j]!, rise * fall);
      const glide = slurred && t < 0.03 ? 0.5 - 0.5 * Math.cos((Math.PI * t) / 0.03) : 1;
      freq[j] = slurred ? previous.hz * (note.hz / previous.hz) ** glide : note.hz;
      if (!slurred && t < 0.06) attackBurst[j] = 3 * (1 - t / 0.06);
    }
  });

  for (let j = 0; j < length; j++) {
    const t = j / sr;
    let f = freq[j]!;
    if (f <= 0) {
      noiseState = 0;
      continue;
    }
    if (options.vibrato) {
      const cents =
        (options.vibrato.widthCents / 2) * Math.sin(2 * Math.PI * options.vibrato.rateHz * t + vibratoPhase);
      f *= 2 ** (cents / 1200);
    }
    phase += f / sr;
    if (phase > 1e6) phase -= 1e6;
    let tone = 0;
    const maxK = Math.min(30, Math.floor((0.45 * sr) / f));
    for (let k = 1; k <= maxK; k++) tone += (body[k]! / k) * Math.sin(2 * Math.PI * k * phase);
    // Bow noise: first-order high-passed white noise, louder during the attack (the "scratch").
    const white = rng.gaussian();
    const hp = white - noiseState;
    noiseState = white;
    const level = (options.gainDb ? 10 ** (options.gainDb(t) / 20) : 1) * env[j]!;
    out[j] = amplitude * level * (tone + noiseGain * (1 + attackBurst[j]!) * hp);
  }
  return out;
}

export interface RoomOptions {
  sampleRate: number;
  seed: number;
  rt60S: number;
  /** Noise relative to the signal's RMS over its non-silent part. Infinity for none. */
  snrDb: number;
  /** Energy of the reverberant tail relative to the direct sound (default -6 dB: a phone a metre or two from the player). */
  reverbDb?: number;
}

/**
 * A room: convolution with an exponentially decaying noise impulse response (the statistical
 * model of late reverberation, RT60 = time to decay by 60 dB) plus white noise at a given SNR.
 */
export function applyRoom(dry: Float32Array, options: RoomOptions): Float32Array {
  const sr = options.sampleRate;
  const rng = new Prng(options.seed ^ 0x5eed);
  let wet: Float32Array = dry;
  if (options.rt60S > 0) {
    const irLength = Math.round(options.rt60S * 1.2 * sr);
    const ir = new Float64Array(irLength);
    let energy = 0;
    for (let i = 1; i < irLength; i++) {
      ir[i] = rng.gaussian() * 10 ** ((-3 * i) / sr / options.rt60S);
      energy += ir[i]! ** 2;
    }
    const target = 10 ** ((options.reverbDb ?? -6) / 10);
    for (let i = 1; i < irLength; i++) ir[i]! *= Math.sqrt(target / energy);
    ir[0] = 1;
    wet = convolve(dry, ir);
  }
  if (!Number.isFinite(options.snrDb)) return wet;
  let sum = 0;
  let count = 0;
  for (const v of wet) {
    if (Math.abs(v) > 1e-4) {
      sum += v * v;
      count++;
    }
  }
  const noiseRms = Math.sqrt(sum / Math.max(1, count)) * 10 ** (-options.snrDb / 20);
  const out = new Float32Array(wet.length);
  for (let i = 0; i < wet.length; i++) out[i] = wet[i]! + noiseRms * rng.gaussian();
  return out;
}

/**
 * Linear convolution, truncated to the input's length plus the tail. Overlap-add with real FFTs of
 * about twice the impulse response: a 30 s recording through a 1 s room costs ~0.1 s instead of
 * one transform of the whole recording.
 */
export function convolve(signal: Float32Array, ir: Float64Array): Float32Array {
  let size = 2;
  while (size < 2 * ir.length) size *= 2;
  const block = size - ir.length + 1;
  const fft = new FFT(size);
  const irSpectrum = fft.createComplexArray() as number[];
  fft.realTransform(irSpectrum, padTo(ir, size));
  fft.completeSpectrum(irSpectrum);
  const out = new Float32Array(signal.length + ir.length - 1);
  const input = new Array<number>(size);
  const spectrum = fft.createComplexArray() as number[];
  const result = fft.createComplexArray() as number[];
  for (let start = 0; start < signal.length; start += block) {
    const n = Math.min(block, signal.length - start);
    for (let i = 0; i < size; i++) input[i] = i < n ? signal[start + i]! : 0;
    fft.realTransform(spectrum, input);
    fft.completeSpectrum(spectrum);
    for (let k = 0; k < size; k++) {
      const re = spectrum[2 * k]! * irSpectrum[2 * k]! - spectrum[2 * k + 1]! * irSpectrum[2 * k + 1]!;
      const im = spectrum[2 * k]! * irSpectrum[2 * k + 1]! + spectrum[2 * k + 1]! * irSpectrum[2 * k]!;
      spectrum[2 * k] = re;
      spectrum[2 * k + 1] = im;
    }
    fft.inverseTransform(result, spectrum);
    const end = Math.min(out.length, start + n + ir.length - 1);
    for (let i = start; i < end; i++) out[i]! += result[2 * (i - start)]!;
  }
  return out;
}

function padTo(values: ArrayLike<number>, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

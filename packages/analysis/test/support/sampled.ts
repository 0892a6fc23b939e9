import { Prng } from './prng';
import type { Sf3Sample, SoundFont } from './sf3';
import type { SynthNote } from './synth';

/** GM bank 0 programs of the two string presets in MuseScore_General_Lite. */
export const VIOLIN = 40;
export const CELLO = 42;

/** Renders notes with the real samples of one SoundFont preset, caching one decoded sample per key. */
export class SampledInstrument {
  private readonly cache = new Map<number, Sf3Sample>();

  constructor(
    private readonly font: SoundFont,
    private readonly program: number,
  ) {}

  async sampleFor(key: number): Promise<Sf3Sample> {
    let s = this.cache.get(key);
    if (!s) {
      s = await this.font.sample(0, this.program, key);
      this.cache.set(key, s);
    }
    return s;
  }

  /**
   * Mix the notes at `sampleRate` (44,100 Hz internally, then decimated by 2 with a low-pass FIR
   * when 22,050 is asked for). Each note plays its zone's sample shifted from the zone's root key to
   * the note's key by resampling, loops the sample's sustain loop if the note outlasts it, and ends
   * with a 25 ms release. `gainJitterDb` gives each note a random level (bow pressure varies).
   */
  async render(
    notes: readonly SynthNote[],
    options: { sampleRate: 22050 | 44100; seed: number; gainJitterDb?: number; tailS?: number },
  ): Promise<Float32Array> {
    const sr = 44100;
    const rng = new Prng(options.seed);
    const last = notes[notes.length - 1]!;
    const out = new Float32Array(Math.ceil((last.onsetS + last.durationS + (options.tailS ?? 0.5)) * sr));
    const releaseN = Math.round(0.025 * sr);
    for (const note of notes) {
      const key = Math.round(69 + 12 * Math.log2(note.hz / 440));
      const s = await this.sampleFor(key);
      const step = (2 ** ((key - s.rootKey) / 12) * s.sampleRate) / sr;
      const gain = 0.5 * 10 ** ((rng.uniform(-1, 1) * (options.gainJitterDb ?? 0)) / 20);
      const start = Math.round(note.onsetS * sr);
      const n = Math.round(note.durationS * sr);
      const loopLength = s.loop ? s.loop.end - s.loop.start : 0;
      for (let i = 0; i < n && start + i < out.length; i++) {
        let pos = i * step;
        if (s.loop && pos >= s.loop.end) pos = s.loop.start + ((pos - s.loop.start) % loopLength);
        const k = Math.floor(pos);
        if (k + 1 >= s.pcm.length) break;
        const a = s.pcm[k]!;
        const b = s.loop && k + 1 >= s.loop.end ? s.pcm[s.loop.start]! : s.pcm[k + 1]!;
        const env = i > n - releaseN ? (n - i) / releaseN : 1;
        out[start + i]! += gain * env * (a + (pos - k) * (b - a));
      }
    }
    return options.sampleRate === sr ? out : decimate2(out);
  }
}

/** Halve the sample rate: 95-tap windowed-sinc low-pass at 0.45 of the new rate, then keep every other sample. */
export function decimate2(x: Float32Array): Float32Array {
  const taps = 95;
  const half = (taps - 1) / 2;
  const h = new Float64Array(taps);
  const fc = 0.45 / 2; // cycles per input sample
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const t = i - half;
    const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    const w =
      0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (taps - 1));
    h[i] = sinc * w;
    sum += h[i]!;
  }
  const y = new Float32Array(Math.floor(x.length / 2));
  for (let j = 0; j < y.length; j++) {
    const c = 2 * j;
    let acc = 0;
    for (let i = 0; i < taps; i++) {
      const k = c + i - half;
      if (k >= 0 && k < x.length) acc += h[i]! * x[k]!;
    }
    y[j] = acc / sum;
  }
  return y;
}

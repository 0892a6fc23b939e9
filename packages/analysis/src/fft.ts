import FFT from 'fft.js';

/**
 * Real-input FFT of a fixed power-of-two size. fft.js is permissive (MIT) and fast enough that one
 * 1024-point transform costs a few microseconds, so the analysis can afford a transform per 5 ms hop.
 */
export class RealFft {
  readonly size: number;
  private readonly fft: FFT;
  private readonly out: Float64Array;

  constructor(size: number) {
    if (size < 2 || (size & (size - 1)) !== 0)
      throw new Error(`FFT size must be a power of two, got ${size}`);
    this.size = size;
    this.fft = new FFT(size);
    this.out = new Float64Array(2 * size);
  }

  /** Power spectrum |X[k]|^2 for k = 0..size/2 written into `power` (length size/2 + 1). */
  powerSpectrum(input: Float64Array, power: Float64Array): void {
    this.fft.realTransform(this.out, input);
    const out = this.out;
    for (let k = 0; k <= this.size / 2; k++) {
      const re = out[2 * k]!;
      const im = out[2 * k + 1]!;
      power[k] = re * re + im * im;
    }
  }

  /**
   * Circular autocorrelation of `input` (zero-pad it yourself to avoid wrap-around): the inverse
   * transform of the power spectrum. Written into `acf` (length size).
   */
  autocorrelation(input: Float64Array, acf: Float64Array): void {
    const n = this.size;
    const out = this.out;
    this.fft.realTransform(out, input);
    // The power spectrum is real and even, so its inverse transform is a forward real transform
    // divided by n: cheaper than completing the spectrum and running a complex inverse.
    const power = this.scratch ?? (this.scratch = new Float64Array(n));
    for (let k = 0; k <= n / 2; k++) {
      const re = out[2 * k]!;
      const im = out[2 * k + 1]!;
      power[k] = re * re + im * im;
    }
    for (let k = 1; k < n / 2; k++) power[n - k] = power[k]!;
    this.fft.realTransform(out, power);
    for (let i = 0; i < n; i++) acf[i] = out[2 * i]! / n;
  }

  private scratch: Float64Array | undefined;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Periodic Hann window: the usual choice for overlapping STFT frames. */
export function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return w;
}

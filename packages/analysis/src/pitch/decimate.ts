/**
 * Low-pass filter and keep every `factor`-th sample. The pitch tracker only needs content up to a few
 * kHz, so working at ~11 kHz makes each YIN frame four times cheaper without losing the fundamental.
 */
export function decimate(samples: Float32Array, factor: number): Float32Array {
  if (factor <= 1) return samples;
  // Windowed-sinc FIR with the cutoff a little below the new Nyquist frequency to limit aliasing.
  const half = 8 * factor;
  const cutoff = 0.45 / factor;
  const taps = new Float64Array(2 * half + 1);
  let sum = 0;
  for (let i = -half; i <= half; i++) {
    const sinc = i === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * i) / (Math.PI * i);
    const hamming = 0.54 + 0.46 * Math.cos((Math.PI * i) / half);
    taps[i + half] = sinc * hamming;
    sum += taps[i + half]!;
  }
  for (let i = 0; i < taps.length; i++) taps[i]! /= sum;

  const out = new Float32Array(Math.floor(samples.length / factor));
  const n = samples.length;
  for (let o = 0; o < out.length; o++) {
    const c = o * factor;
    let acc = 0;
    if (c >= half && c + half < n) {
      // Symmetric taps: pair the samples on either side (half the multiplications).
      acc = samples[c]! * taps[half]!;
      for (let k = 1; k <= half; k++) acc += (samples[c - k]! + samples[c + k]!) * taps[half + k]!;
    } else {
      const lo = Math.max(0, c - half);
      const hi = Math.min(n - 1, c + half);
      for (let j = lo; j <= hi; j++) acc += samples[j]! * taps[j - c + half]!;
    }
    out[o] = acc;
  }
  return out;
}

export interface VibratoFit {
  rateHz: number;
  /** Peak-to-peak width of the oscillation in cents, corrected for the pitch window. */
  extentCents: number;
  /** Share of the (detrended) pitch variance the sinusoid explains, 0..1. */
  explained: number;
}

export interface VibratoOptions {
  minRateHz?: number;
  maxRateHz?: number;
  /**
   * Length (s) of the rectangular window each pitch value averages over. A sinusoidal vibrato at
   * rate r seen through it shrinks by sinc(r * windowS); we divide that back out.
   */
  pitchWindowS?: number;
}

/**
 * Fit a sinusoid plus a slow quadratic trend (intonation drift within the note) to a pitch contour
 * in cents sampled at `frameRate`. A least-squares fit over the whole steady part of a note is
 * more precise than counting peaks and is not fooled by single noisy frames.
 */
export function fitVibrato(
  cents: Float64Array,
  frameRate: number,
  options: VibratoOptions = {},
): VibratoFit | null {
  const n = cents.length;
  const minRate = options.minRateHz ?? 3;
  const maxRate = options.maxRateHz ?? 9;
  if (n < (2 * frameRate) / minRate) return null; // fewer than two cycles of the slowest vibrato

  const residual = removeQuadraticTrend(cents);
  let total = 0;
  for (const v of residual) total += v * v;
  if (!(total > 0)) return { rateHz: 0, extentCents: 0, explained: 0 };

  // Coarse grid, then a fine grid around the best coarse rate.
  let best = { rate: minRate, power: -1, amplitude: 0 };
  const scan = (from: number, to: number, step: number): void => {
    for (let rate = from; rate <= to + 1e-9; rate += step) {
      const fit = sinusoidFit(residual, frameRate, rate);
      if (fit.power > best.power) best = { rate, ...fit };
    }
  };
  scan(minRate, maxRate, 0.05);
  const centre = best.rate;
  scan(Math.max(minRate, centre - 0.05), Math.min(maxRate, centre + 0.05), 0.0025);

  const x = best.rate * (options.pitchWindowS ?? 0);
  const attenuation = x > 0 ? Math.sin(Math.PI * x) / (Math.PI * x) : 1;
  return {
    rateHz: best.rate,
    extentCents: (2 * best.amplitude) / attenuation,
    explained: Math.min(1, best.power / total),
  };
}

/** Least-squares a*cos + b*sin at one frequency; returns the fitted energy and amplitude. */
function sinusoidFit(y: Float64Array, frameRate: number, rate: number): { power: number; amplitude: number } {
  let cc = 0;
  let ss = 0;
  let cs = 0;
  let yc = 0;
  let ys = 0;
  const w = (2 * Math.PI * rate) / frameRate;
  // cos(w i) and sin(w i) by rotation: a few hundred steps stay exact to ~1e-13, and Math.cos and
  // Math.sin per point were a fifth of the analysis time on long notes with vibrato.
  const cosW = Math.cos(w);
  const sinW = Math.sin(w);
  let c = 1;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    if (i > 0) {
      const next = c * cosW - s * sinW;
      s = s * cosW + c * sinW;
      c = next;
    }
    cc += c * c;
    ss += s * s;
    cs += c * s;
    yc += y[i]! * c;
    ys += y[i]! * s;
  }
  const det = cc * ss - cs * cs;
  if (Math.abs(det) < 1e-12) return { power: 0, amplitude: 0 };
  const a = (yc * ss - ys * cs) / det;
  const b = (ys * cc - yc * cs) / det;
  return { power: a * yc + b * ys, amplitude: Math.hypot(a, b) };
}

function removeQuadraticTrend(y: Float64Array): Float64Array {
  const n = y.length;
  // Normal equations for y ~ c0 + c1 u + c2 u^2 with u in [-1, 1] for conditioning.
  const m = new Float64Array(9);
  const r = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const u = n > 1 ? (2 * i) / (n - 1) - 1 : 0;
    const basis = [1, u, u * u];
    for (let a = 0; a < 3; a++) {
      r[a]! += basis[a]! * y[i]!;
      for (let b = 0; b < 3; b++) m[3 * a + b]! += basis[a]! * basis[b]!;
    }
  }
  const c = solve3(m, r);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = n > 1 ? (2 * i) / (n - 1) - 1 : 0;
    out[i] = y[i]! - (c[0]! + c[1]! * u + c[2]! * u * u);
  }
  return out;
}

function solve3(m: Float64Array, r: Float64Array): Float64Array {
  const a = Array.from({ length: 3 }, (_, i) => [m[3 * i]!, m[3 * i + 1]!, m[3 * i + 2]!, r[i]!]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let row = col + 1; row < 3; row++)
      if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    if (Math.abs(p) < 1e-12) return new Float64Array(3);
    for (let row = 0; row < 3; row++) {
      if (row === col) continue;
      const f = a[row]![col]! / p;
      for (let k = col; k < 4; k++) a[row]![k]! -= f * a[col]![k]!;
    }
  }
  return Float64Array.from([a[0]![3]! / a[0]![0]!, a[1]![3]! / a[1]![1]!, a[2]![3]! / a[2]![2]!]);
}

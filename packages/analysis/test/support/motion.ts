import type { GyroscopeSample, VideoFrames } from '../../src/bow-stability';
import { Prng } from './prng';

/** Band-limited random motion (tremor-like): white noise smoothed by a short moving average. */
function tremor(rng: Prng, n: number, smooth: number): Float64Array {
  const white = Array.from({ length: n + smooth }, () => rng.gaussian());
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < smooth; k++) s += white[i + k]!;
    out[i] = s / Math.sqrt(smooth);
  }
  return out;
}

/**
 * Gyroscope readings of a bowing arm: a 0.5 Hz back-and-forth rotation around one (tilted) axis,
 * plus tremor of `jitterRadS` RMS around the two other axes and a little sensor noise. The same
 * seed gives the same tremor shape at every jitter level, so only its size changes.
 */
export function makeGyroscope(
  jitterRadS: number,
  seed: number,
  durationS = 20,
  rate = 100,
): GyroscopeSample[] {
  const rng = new Prng(seed);
  const n = Math.round(durationS * rate);
  const axis = [0.3, 0.2, 0.93];
  const norm = Math.hypot(...axis);
  const a = axis.map((v) => v / norm) as [number, number, number];
  // Two unit vectors perpendicular to the stroke axis.
  const p1 = normalise(cross(a, [1, 0, 0]));
  const p2 = cross(a, p1);
  const j1 = tremor(rng, n, 8);
  const j2 = tremor(rng, n, 8);
  const readings: GyroscopeSample[] = [];
  for (let i = 0; i < n; i++) {
    const t = i / rate + rng.uniform(-0.002, 0.002);
    const stroke = 1.2 * Math.sin(2 * Math.PI * 0.5 * t);
    const w = [0, 1, 2].map(
      (k) => a[k]! * stroke + jitterRadS * (p1[k]! * j1[i]! + p2[k]! * j2[i]!) + 0.005 * rng.gaussian(),
    );
    readings.push({ t: Math.max(0, t), x: w[0]!, y: w[1]!, z: w[2]! });
  }
  return readings;
}

/**
 * Grayscale video of a bow: a bright anti-aliased bar moving along its own length (the stroke)
 * over a static textured background, shaking perpendicular to itself by `jitterPx` RMS.
 */
export function makeBowVideo(jitterPx: number, seed: number, durationS = 6, fps = 30): VideoFrames {
  const width = 160;
  const height = 120;
  const rng = new Prng(seed);
  const frames = Math.round(durationS * fps);
  const background = Float64Array.from({ length: width * height }, () => 60 + 20 * rng.next());
  const shake = tremor(rng, frames, 3);
  const angle = 0.35;
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  const data = new Uint8Array(frames * width * height);
  for (let f = 0; f < frames; f++) {
    const along = 35 * Math.sin((2 * Math.PI * 0.5 * f) / fps);
    const across = jitterPx * shake[f]!;
    const cx = width / 2 + along * ux - across * uy;
    const cy = height / 2 + along * uy + across * ux;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const u = dx * ux + dy * uy; // along the bow
        const v = -dx * uy + dy * ux; // across the bow
        const inside = Math.max(0, Math.min(1, 2.5 - Math.abs(v))) * (Math.abs(u) < 60 ? 1 : 0);
        const value = background[y * width + x]! * (1 - inside) + 230 * inside + 1.5 * rng.gaussian();
        data[f * width * height + y * width + x] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { width, height, fps, data };
}

function cross(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

function normalise(v: [number, number, number]): [number, number, number] {
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
}

export interface GyroscopeSample {
  /** Seconds from the start of the recording. */
  t: number;
  /** Angular velocity around each device axis, rad/s. */
  x: number;
  y: number;
  z: number;
}

export interface VideoFrames {
  width: number;
  height: number;
  fps: number;
  /** 8-bit grayscale frames, row-major, concatenated. */
  data: Uint8Array;
}

export interface StabilityResult {
  /** 0..100, higher is steadier. */
  score: number;
  /** The jitter the score is made from (rad/s for the gyroscope, frame widths/s for video). */
  jitter: number;
}

// Jitter at which the score is 50. Chosen so that a clean synthetic stroke scores in the 90s and
// strong tremor (~0.3 rad/s, ~0.2 frame widths per second) scores below 50.
const GYRO_HALF_SCORE_RAD_S = 0.15;
const VIDEO_HALF_SCORE_WIDTHS_S = 0.1;

/**
 * A strictly decreasing map from jitter to score: 100 at zero jitter, 50 at `half`, never clamped,
 * so more jitter always means a lower score.
 */
export function jitterToScore(jitter: number, half: number): number {
  return 100 / (1 + jitter / half);
}

/**
 * Bow stability from a gyroscope on the bow hand or bow. The bow stroke is the dominant rotation,
 * so its axis is the first principal component of the angular velocity; the rotation around the
 * other two axes (the bow wobbling sideways or bouncing) is high-passed at ~2 Hz and its RMS is the
 * jitter. Returns null for fewer than 1 s of readings.
 */
export function gyroscopeStability(readings: readonly GyroscopeSample[]): StabilityResult | null {
  if (readings.length < 10) return null;
  const sorted = [...readings].sort((a, b) => a.t - b.t);
  const span = sorted[sorted.length - 1]!.t - sorted[0]!.t;
  if (!(span >= 1)) return null;
  const rate = Math.min(200, (sorted.length - 1) / span);
  const n = Math.floor(span * rate) + 1;
  // Resample onto a uniform clock: expo-sensors readings arrive with uneven spacing.
  const axes = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = sorted[0]!.t + i / rate;
    while (j + 1 < sorted.length - 1 && sorted[j + 1]!.t < t) j++;
    const a = sorted[j]!;
    const b = sorted[Math.min(j + 1, sorted.length - 1)]!;
    const f = b.t > a.t ? Math.min(1, Math.max(0, (t - a.t) / (b.t - a.t))) : 0;
    axes[0][i] = a.x + (b.x - a.x) * f;
    axes[1][i] = a.y + (b.y - a.y) * f;
    axes[2][i] = a.z + (b.z - a.z) * f;
  }
  const stroke = principalAxis(axes);
  const perpendicular = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  for (let i = 0; i < n; i++) {
    const along = axes[0][i]! * stroke[0] + axes[1][i]! * stroke[1] + axes[2][i]! * stroke[2];
    for (let k = 0; k < 3; k++) perpendicular[k][i] = axes[k][i]! - along * stroke[k]!;
  }
  let sum = 0;
  for (const axis of perpendicular) {
    const hp = highPass(axis, Math.max(1, Math.round(rate / 4)));
    for (const v of hp) sum += v * v;
  }
  const jitter = Math.sqrt(sum / n);
  return { score: jitterToScore(jitter, GYRO_HALF_SCORE_RAD_S), jitter };
}

/**
 * Bow stability from video: the bow moves along its own length, so motion along the dominant edge
 * normal (perpendicular to the bow) is the unwanted part. For each pair of frames we solve the 1-D
 * optical-flow equation along that normal (Lucas–Kanade restricted to one direction) over the pixels
 * that move at all, high-pass the resulting velocity and take its RMS.
 * Returns null for fewer than 1 s of frames.
 */
export function videoStability(input: VideoFrames): StabilityResult | null {
  const motion = new VideoMotion(input.width, input.height, input.fps);
  const pixels = input.width * input.height;
  const frames = Math.floor(input.data.length / pixels);
  for (let f = 0; f < frames; f++) motion.push(input.data.subarray(f * pixels, (f + 1) * pixels));
  return motion.result();
}

/**
 * The moving area and the bow's direction are estimated over segments of this length (the last
 * segment takes up to half a segment more), so frames can be streamed from the decoder while at
 * most ~1.5 segments of small frames are held: a 5-minute 1080p video needs ~25 MB here instead of
 * all 9,000 frames. Clips up to 30 s are one segment.
 */
const SEGMENT_S = 20;

/**
 * `videoStability` fed one frame at a time (8-bit grayscale, row-major), e.g. straight from the
 * decoder. Each frame is blurred on arrival; the blurred frames of the current segment are kept.
 */
export class VideoMotion {
  private readonly pixels: number;
  private readonly segmentFrames: number;
  private readonly blurred: Uint8Array[] = [];
  private readonly velocities: number[] = [];
  private frameCount = 0;
  /** A frame being assembled from a raw byte stream (`pushBytes`). */
  private partial: Uint8Array | undefined;
  private partialFilled = 0;
  private readonly scratchA: Float32Array;
  private readonly scratchB: Float32Array;

  /** `segmentS`: Infinity makes the whole clip one segment (every blurred frame is held). */
  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly fps: number,
    segmentS = SEGMENT_S,
  ) {
    this.pixels = width * height;
    this.segmentFrames = Math.max(2, Math.round(segmentS * fps));
    this.scratchA = new Float32Array(this.pixels);
    this.scratchB = new Float32Array(this.pixels);
  }

  push(frame: Uint8Array): void {
    if (frame.length < this.pixels)
      throw new RangeError(`frame has ${frame.length} pixels, expected ${this.pixels}`);
    this.blurred.push(this.blur(frame));
    this.frameCount++;
    // Keep the last frame of a processed segment: the pair across the boundary counts too.
    if (this.blurred.length >= Math.round(1.5 * this.segmentFrames) + 1) {
      this.processSegment(this.blurred.slice(0, this.segmentFrames + 1));
      this.blurred.splice(0, this.segmentFrames);
    }
  }

  /**
   * Raw gray frames as a decoder writes them (`-f rawvideo`, frames back to back, chunks cut anywhere): whole
   * frames are pushed as they complete; a trailing partial frame waits for the next chunk.
   */
  pushBytes(chunk: Uint8Array): void {
    this.partial ??= new Uint8Array(this.pixels);
    for (let offset = 0; offset < chunk.length;) {
      const n = Math.min(this.pixels - this.partialFilled, chunk.length - offset);
      this.partial.set(chunk.subarray(offset, offset + n), this.partialFilled);
      this.partialFilled += n;
      offset += n;
      if (this.partialFilled === this.pixels) {
        this.push(this.partial);
        this.partialFilled = 0;
      }
    }
  }

  /** The score for every frame pushed so far; null for fewer than 1 s of frames. */
  result(): StabilityResult | null {
    if (this.frameCount < Math.max(3, this.fps)) return null;
    const velocities = [...this.velocities];
    if (this.blurred.length >= 2)
      velocities.push(...segmentVelocities(this.blurred, this.width, this.height));
    const hp = highPass(Float64Array.from(velocities), Math.max(1, Math.round(this.fps / 4)));
    let energy = 0;
    for (const v of hp) energy += v * v;
    // px/frame -> frame widths per second, so the score does not depend on the decode resolution.
    const jitter = (Math.sqrt(energy / hp.length) * this.fps) / this.width;
    return { score: jitterToScore(jitter, VIDEO_HALF_SCORE_WIDTHS_S), jitter };
  }

  private processSegment(frames: Uint8Array[]): void {
    for (const v of segmentVelocities(frames, this.width, this.height)) this.velocities.push(v);
  }

  /**
   * Optical flow linearises the image: it only holds for shifts smaller than the blur of the
   * edges. A thin bow shaking by several pixels needs blurring first (like one pyramid level).
   * Two passes of a 5x5 box blur (close to a Gaussian with sigma ~2 px), rounded back to 8 bits.
   */
  private blur(frame: Uint8Array): Uint8Array {
    const { width, height } = this;
    const a = this.scratchA;
    const b = this.scratchB;
    const r = 2;
    for (let p = 0; p < this.pixels; p++) a[p] = frame[p]!;
    for (let pass = 0; pass < 2; pass++) {
      // Running sums along rows, then columns, with edge pixels repeated.
      for (let y = 0; y < height; y++) {
        const row = y * width;
        let s = 0;
        for (let k = -r - 1; k < r; k++) s += a[row + Math.min(width - 1, Math.max(0, k))]!;
        for (let x = 0; x < width; x++) {
          s += a[row + Math.min(width - 1, x + r)]! - a[row + Math.max(0, x - r - 1)]!;
          b[row + x] = s / (2 * r + 1);
        }
      }
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = -r - 1; k < r; k++) s += b[Math.min(height - 1, Math.max(0, k)) * width + x]!;
        for (let y = 0; y < height; y++) {
          s += b[Math.min(height - 1, y + r) * width + x]! - b[Math.max(0, y - r - 1) * width + x]!;
          a[y * width + x] = s / (2 * r + 1);
        }
      }
    }
    const out = new Uint8Array(this.pixels);
    for (let p = 0; p < this.pixels; p++) out[p] = Math.round(a[p]!);
    return out;
  }
}

/** Velocity across the bow (px/frame) for each consecutive pair of blurred frames of one segment. */
function segmentVelocities(frames: readonly Uint8Array[], width: number, height: number): Float64Array {
  const pixels = width * height;
  const count = frames.length;
  // Pass 1: which pixels change over the segment (the swept area of the bow and arm).
  const sum = new Float64Array(pixels);
  const sumSq = new Float64Array(pixels);
  for (const frame of frames) {
    for (let p = 0; p < pixels; p++) {
      const v = frame[p]!;
      sum[p]! += v;
      sumSq[p]! += v * v;
    }
  }
  const moving = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const m = sum[p]! / count;
    if (sumSq[p]! / count - m * m > 16) moving[p] = 1; // std above 4 grey levels: more than sensor noise
  }

  // Pass 2: dominant gradient orientation inside the moving area, weighted by temporal change.
  let gxx = 0;
  let gyy = 0;
  let gxy = 0;
  forEachPair(frames, width, height, moving, (gx, gy, it) => {
    const w = Math.abs(it);
    gxx += w * gx * gx;
    gyy += w * gy * gy;
    gxy += w * gx * gy;
  });
  const angle = 0.5 * Math.atan2(2 * gxy, gxx - gyy);
  const nx = Math.cos(angle);
  const ny = Math.sin(angle);

  // Pass 3: velocity along the normal for each frame pair: v = -sum(It * gn) / sum(gn^2).
  const velocity = new Float64Array(count - 1);
  let num = 0;
  let den = 0;
  let pair = 0;
  forEachPair(
    frames,
    width,
    height,
    moving,
    (gx, gy, it) => {
      const gn = gx * nx + gy * ny;
      num += it * gn;
      den += gn * gn;
    },
    () => {
      velocity[pair++] = den > 0 ? -num / den : 0;
      num = 0;
      den = 0;
    },
  );
  return velocity;
}

function forEachPair(
  frames: readonly Uint8Array[],
  width: number,
  height: number,
  mask: Uint8Array,
  visit: (gx: number, gy: number, it: number) => void,
  endPair?: () => void,
): void {
  for (let f = 0; f + 1 < frames.length; f++) {
    const a = frames[f]!;
    const b = frames[f + 1]!;
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1; x < width - 1; x++) {
        const p = y * width + x;
        if (mask[p] === 0) continue;
        // Gradients of the average of both frames (symmetric in time, as in Lucas–Kanade).
        const gx = (a[p + 1]! - a[p - 1]! + b[p + 1]! - b[p - 1]!) / 4;
        const gy = (a[p + width]! - a[p - width]! + b[p + width]! - b[p - width]!) / 4;
        visit(gx, gy, b[p]! - a[p]!);
      }
    }
    endPair?.();
  }
}

/** Subtract a centred moving average of `radius` samples on each side: keeps motion above ~rate/(2*radius). */
function highPass(values: Float64Array, radius: number): Float64Array {
  const n = values.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + values[i]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - radius);
    const hi = Math.min(n, i + radius + 1);
    out[i] = values[i]! - (prefix[hi]! - prefix[lo]!) / (hi - lo);
  }
  return out;
}

/** First principal axis (unit vector) of three zero-mean-ish series, by power iteration. */
function principalAxis(axes: readonly [Float64Array, Float64Array, Float64Array]): [number, number, number] {
  const c = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const n = axes[0].length;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) c[3 * a + b]! += axes[a]![i]! * axes[b]![i]!;
  }
  let v: [number, number, number] = [1, 1, 1];
  for (let iter = 0; iter < 50; iter++) {
    const next: [number, number, number] = [
      c[0]! * v[0] + c[1]! * v[1] + c[2]! * v[2],
      c[3]! * v[0] + c[4]! * v[1] + c[5]! * v[2],
      c[6]! * v[0] + c[7]! * v[1] + c[8]! * v[2],
    ];
    const norm = Math.hypot(...next);
    if (!(norm > 0)) return [0, 0, 1];
    v = [next[0] / norm, next[1] / norm, next[2] / norm];
  }
  return v;
}

/** RMS level in dBFS of short windows at a fine step: the timing reference for note starts. */
export interface LevelEnvelope {
  /** Seconds between values; value i is the window centred at i * stepS. */
  stepS: number;
  db: Float64Array;
}

/** Below any real recording's noise floor; keeps digital silence finite. */
const FLOOR_DB = -120;

/**
 * Level of `windowS`-long windows every `stepS`. 20 ms windows follow a bow attack closely (a 46 ms
 * analysis frame blurs it over half a beat at fast tempi) while still averaging a few periods of the
 * lowest cello notes.
 */
export function levelEnvelope(
  samples: Float32Array,
  sampleRate: number,
  windowS = 0.02,
  stepS = 0.005,
): LevelEnvelope {
  // Each window summed directly (every sample is visited windowS / stepS = 4 times): a running
  // cumulative sum would need another 8 bytes per sample, 53 MB for five minutes.
  const half = Math.max(1, Math.round((windowS * sampleRate) / 2));
  const count = Math.floor(samples.length / sampleRate / stepS) + 1;
  const db = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const centre = Math.round(i * stepS * sampleRate);
    const a = Math.max(0, centre - half);
    const b = Math.min(samples.length, centre + half);
    let sum = 0;
    for (let j = a; j < b; j++) sum += samples[j]! * samples[j]!;
    const power = b > a ? sum / (b - a) : 0;
    db[i] = power > 0 ? Math.max(FLOOR_DB, 10 * Math.log10(power)) : FLOOR_DB;
  }
  return { stepS, db };
}

/** Index of the envelope value nearest to time t, clamped to the envelope. */
export function envelopeIndex(envelope: LevelEnvelope, t: number): number {
  return Math.max(0, Math.min(envelope.db.length - 1, Math.round(t / envelope.stepS)));
}

/** Highest value of the envelope in [fromS, toS] (clamped); -Infinity for an empty range. */
export function maxLevel(envelope: LevelEnvelope, fromS: number, toS: number): number {
  let best = -Infinity;
  for (let i = envelopeIndex(envelope, fromS); i <= envelopeIndex(envelope, toS); i++)
    best = Math.max(best, envelope.db[i]!);
  return best;
}

/** Lowest value of the envelope in [fromS, toS] (clamped); Infinity for an empty range. */
export function minLevel(envelope: LevelEnvelope, fromS: number, toS: number): number {
  let best = Infinity;
  for (let i = envelopeIndex(envelope, fromS); i <= envelopeIndex(envelope, toS); i++)
    best = Math.min(best, envelope.db[i]!);
  return best;
}

/**
 * Where the rise of level that reaches its height around `t` began: walk back from `t` (at most
 * `maxBackS`) to the lowest level before it, stopping once the level climbs `stopDb` above that
 * lowest level (the previous note); the start is the last moment the level was still within
 * `toleranceDb` of it. A slow bow attack (bow noise 30 dB under the tone, then the string speaks)
 * has its spectral-flux peak 50-100 ms after this point.
 */
export function riseStart(
  envelope: LevelEnvelope,
  t: number,
  maxBackS = 0.2,
  toleranceDb = 2,
  stopDb = 6,
): number {
  const from = envelopeIndex(envelope, t);
  const limit = Math.max(0, from - Math.round(maxBackS / envelope.stepS));
  const db = envelope.db;
  let lowest = from;
  for (let i = from; i >= limit; i--) {
    if (db[i]! < db[lowest]!) lowest = i;
    if (db[i]! > db[lowest]! + stopDb) break;
  }
  let start = lowest;
  for (let i = lowest; i <= from; i++) if (db[i]! <= db[lowest]! + toleranceDb) start = i;
  return start * envelope.stepS;
}

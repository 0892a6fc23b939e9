import type { PitchTrack } from '../pitch/yin';
import type { LevelEnvelope } from './level-envelope';
import { levelEnvelope, maxLevel, minLevel, riseStart } from './level-envelope';
import type { PitchChange } from './pitch-changes';
import { pitchChanges } from './pitch-changes';
import { refineChangeTime } from './refine-change';
import type { OnsetCandidate } from './superflux';
import { onsetCandidates, strongestPeakNear, superFlux } from './superflux';

/** Flux peaks above this fraction of the recording's strong peaks are considered at all. */
const CANDIDATE_DELTA = 0.05;
/** A note after a rest, or with a pitch change, needs only a flux peak above the typical flux. */
const MIN_SALIENCE = 1;
/**
 * A re-bowed note on the same pitch needs a level dip (the bow stops or turns): a 6 dB dip with a
 * clear flux peak, or a 10 dB one with any. A violin's vibrato swings the level by up to ~5 dB at
 * 5-6 Hz, and a room makes those swings look like attacks in the flux; they never dip 6 dB.
 */
const REBOW_DIP_DB = 6;
const REBOW_SALIENCE = 1.5;
const DEEP_DIP_DB = 10;
const DEEP_DIP_SALIENCE = 0.5;
/** The level rises this much more than it fell: the note enters after a rest (or much louder). */
const ENTRY_RISE_DB = 10;
/** How close a pitch change must be to let an attack through without a level dip. */
const ATTACK_PITCH_CHANGE_S = 0.1;
/** Two onsets closer than this are one note (two flux peaks of one slow attack). */
const MERGE_S = 0.1;
/**
 * A slur is timed by its pitch change: the moment the pitch leaves the old note, refined with
 * short windows. That is ~15 ms after a 30 ms glide begins; this lag is taken off so slurred and
 * attacked notes in one phrase are timed alike.
 */
const CHANGE_LAG_S = 0.015;
/**
 * Above this pitch the 46 ms spectrum resolves the partials well enough that the flux bump of a
 * slur is a sharper time than the pitch change, if the two agree within FLUX_AGREEMENT_S.
 */
const RESOLVED_PITCH_HZ = 150;
const FLUX_AGREEMENT_S = 0.025;

/**
 * All note onsets. Candidates are the peaks of SuperFlux (spectral flux with a maximum filter
 * across bands); one is a note onset if the level dips into it (a re-bowed or détaché note), if it
 * enters after a rest, or if the pitch changes there. Note changes without any attack (legato) come
 * from the pitch track alone.
 *
 * Timing: an attack is placed where the level started to rise into it, not at the flux peak. A
 * slow bow attack (bow noise ~30 dB under the tone for 50-100 ms before the string speaks) peaks in
 * the flux only when the string speaks, while the level already rises from the start of the stroke.
 */
export function detectOnsets(samples: Float32Array, sampleRate: number, pitch: PitchTrack): number[] {
  const odf = superFlux(samples, sampleRate);
  const changes = pitchChanges(pitch).map((c) => ({
    ...c,
    timeS: refineChangeTime(samples, sampleRate, c) ?? c.timeS,
  }));
  const envelope = levelEnvelope(samples, sampleRate);
  // The 46 ms frames of the pitch track: smooth enough that a dip means the note stopped, not a
  // single period of a low note.
  const frameLevels: LevelEnvelope = { stepS: pitch.hopS, db: pitch.levelDb };

  // Salience: a flux peak's height above the recording's typical flux (its median), in units of the
  // flux's spread (median to 90th percentile), so loud and quiet recordings are judged alike.
  const sortedFlux = Float64Array.from(odf.values).sort();
  const fluxMedian = sortedFlux[Math.floor(0.5 * (sortedFlux.length - 1))] ?? 0;
  const fluxSpread = Math.max(
    (sortedFlux[Math.floor(0.9 * (sortedFlux.length - 1))] ?? 0) - fluxMedian,
    1e-6,
  );

  const attacks: { timeS: number; salience: number }[] = [];
  for (const candidate of onsetCandidates(odf, { delta: CANDIDATE_DELTA, combineS: 0.03 })) {
    const edge = candidate.timeS;
    const start = Math.min(edge, riseStart(envelope, edge + 0.02));
    const salience = (candidate.strength - fluxMedian) / fluxSpread;
    const nearest = nearestChange(changes, edge);
    const withPitchChange = nearest !== null && Math.abs(nearest.timeS - edge) < ATTACK_PITCH_CHANGE_S;
    const level = levelAround(frameLevels, start, candidate);
    const entry = level.riseDb - level.fallDb >= ENTRY_RISE_DB;
    const rebow =
      (level.dipDb >= REBOW_DIP_DB && salience >= REBOW_SALIENCE) ||
      (level.dipDb >= DEEP_DIP_DB && salience >= DEEP_DIP_SALIENCE);
    const accepted = rebow || ((entry || withPitchChange) && salience >= MIN_SALIENCE);
    if (!accepted) continue;
    // Without a dip or a rest before it, the note is slurred: time it by its pitch change.
    const articulated = level.dipDb >= REBOW_DIP_DB || entry;
    const time = articulated || nearest === null ? start : slurTime(edge, nearest);
    const last = attacks[attacks.length - 1];
    if (last !== undefined && time - last.timeS < MERGE_S) {
      if (salience > last.salience) attacks[attacks.length - 1] = { timeS: time, salience };
      continue;
    }
    attacks.push({ timeS: time, salience });
  }

  const onsets = attacks.map((a) => a.timeS);
  for (const change of changes) {
    if (attacks.some((a) => Math.abs(a.timeS - change.timeS) < MERGE_S)) continue;
    const peak = strongestPeakNear(odf, change.timeS, 0.04, 0.02);
    onsets.push(peak === null ? change.timeS - CHANGE_LAG_S : slurTime(peak, change));
  }
  return onsets.sort((a, b) => a - b);
}

function nearestChange(changes: readonly PitchChange[], t: number): PitchChange | null {
  let best: PitchChange | null = null;
  for (const c of changes) if (best === null || Math.abs(c.timeS - t) < Math.abs(best.timeS - t)) best = c;
  return best;
}

/** Onset of a slurred note from its pitch change and the flux bump (`fluxEdge`) near it. */
function slurTime(fluxEdge: number, change: PitchChange): number {
  const fromChange = change.timeS - CHANGE_LAG_S;
  const lowHz = 440 * 2 ** (Math.min(change.fromCents, change.toCents) / 1200);
  return lowHz >= RESOLVED_PITCH_HZ && Math.abs(fluxEdge - fromChange) <= FLUX_AGREEMENT_S
    ? fluxEdge
    : fromChange;
}

/**
 * Level around a candidate onset on the 46 ms frame levels: the lowest level at its start, the
 * highest in the 300 ms before and after. The dip only counts if the start is the lowest point of
 * the 250 ms before it: later flux peaks of the same attack (the partials building up) share the
 * dip of the first and must not count it again.
 */
function levelAround(
  levels: LevelEnvelope,
  startS: number,
  candidate: OnsetCandidate,
): { fallDb: number; riseDb: number; dipDb: number } {
  const bottom = minLevel(levels, startS - 0.04, startS + 0.02);
  const before = maxLevel(levels, startS - 0.3, startS - 0.04);
  const after = maxLevel(levels, startS + 0.02, Math.max(candidate.peakS, startS) + 0.3);
  const ownsDip = minLevel(levels, startS - 0.25, startS - 0.04) >= bottom - 1;
  const fallDb = before - bottom;
  const riseDb = after - bottom;
  return { fallDb, riseDb, dipDb: ownsDip ? Math.min(fallDb, riseDb) : 0 };
}

import { describe, expect, it } from 'vitest';
import { analyzeRecording } from '../src/analyze-recording';
import { frameLevelsDb } from '../src/dynamics';
import { percentile } from '../src/stats';
import { applyRoom, renderBowed } from './support/synth';
import type { SynthNote } from './support/synth';

const SR = 22050;

describe('dynamic range', () => {
  it('measures crescendo/diminuendo ranges within 1.5 dB', () => {
    let worst = { error: 0, label: '' };
    let seed = 0;
    for (const rangeDb of [6, 12, 20, 30]) {
      for (const shape of ['crescendo', 'diminuendo', 'hairpin'] as const) {
        for (const room of [
          { rt60S: 0, snrDb: Infinity },
          { rt60S: 0.8, snrDb: 25 },
        ]) {
          seed++;
          // A legato line of 12 notes over 12 s so the tone never stops. The recording starts and
          // stops with the playing: room noise before or after it is within 50 dB of the loudest
          // frame at 25 dB SNR and would (by definition) count towards the range.
          const notes: SynthNote[] = Array.from({ length: 12 }, (_, i) => ({
            onsetS: 0.05 + i,
            durationS: 1,
            // In the room, one held pitch: a random room response colours each pitch differently
            // (by several dB), which would change the range no matter how the player bowed.
            hz: room.rt60S > 0 ? 196 : 196 * 2 ** ((i % 5) / 12),
            legato: i > 0,
          }));
          const start = 0.05;
          const end = 12.05;
          const gainDb = (t: number): number => {
            const x = Math.min(1, Math.max(0, (t - start) / (end - start)));
            const up = shape === 'crescendo' ? x : shape === 'diminuendo' ? 1 - x : 1 - Math.abs(2 * x - 1);
            return -rangeDb * (1 - up);
          };
          const dry = renderBowed(notes, { sampleRate: SR, seed, gainDb, tailS: 0.05 });
          const wet = applyRoom(dry, { sampleRate: SR, seed, ...room }).subarray(0, dry.length);
          // Truth: the same percentiles of the known envelope at the frame centres while the note sounds.
          const levels = frameLevelsDb(dry, SR);
          const truthLevels: number[] = [];
          for (let f = 0; f < levels.levelsDb.length; f++) {
            const c = f * levels.hopS + levels.frameS / 2;
            if (c >= start && c <= end) truthLevels.push(gainDb(c));
          }
          const truth = percentile(truthLevels, 95) - percentile(truthLevels, 5);
          const r = analyzeRecording({ samples: wet, sampleRate: SR });
          const error = Math.abs(r.dynamicRangeDb! - truth);
          const label = `${shape} ${rangeDb} dB, RT60 ${room.rt60S}`;
          if (error >= worst.error) worst = { error, label };
          expect(
            error,
            `${label}: measured ${r.dynamicRangeDb}, truth ${truth.toFixed(2)}`,
          ).toBeLessThanOrEqual(1.5);
          expect(r.notes.every((n) => n.levelDb != null)).toBe(true);
        }
      }
    }
    console.log(`dynamic range: worst error ${worst.error.toFixed(2)} dB (${worst.label})`);
  });

  it('returns per-note levels that follow a crescendo', () => {
    const notes: SynthNote[] = Array.from({ length: 6 }, (_, i) => ({
      onsetS: 0.3 + i * 0.6,
      durationS: 0.5,
      hz: 294,
    }));
    const dry = renderBowed(notes, {
      sampleRate: SR,
      seed: 9,
      gainDb: (t) => -12 + 3 * Math.floor((t - 0.3) / 0.6),
    });
    const r = analyzeRecording({ samples: dry, sampleRate: SR });
    const levels = r.notes.map((n) => n.levelDb!);
    expect(levels).toHaveLength(6);
    for (let i = 1; i < levels.length; i++) expect(levels[i]! - levels[i - 1]!).toBeCloseTo(3, 0);
  });
});

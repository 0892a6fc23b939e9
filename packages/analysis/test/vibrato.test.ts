import { describe, expect, it } from 'vitest';
import { analyzeRecording } from '../src/analyze-recording';
import { applyRoom, renderBowed } from './support/synth';

const SR = 22050;
const RATES = [4.5, 5.5, 6.25, 7];
const WIDTHS = [20, 50, 85, 120];
const PITCHES = [65, 130, 260, 520, 900];

function render(
  hz: number,
  seed: number,
  vibrato?: { rateHz: number; widthCents: number },
  room = { rt60S: 0, snrDb: 30 },
): Float32Array {
  // Two sustained notes a minor third apart, bow noise, room noise (30 dB SNR, no reverberation by default).
  const notes = [
    { onsetS: 0.3, durationS: 2.4, hz },
    { onsetS: 2.8, durationS: 2.4, hz: hz * 2 ** (3 / 12) },
  ];
  const dry = renderBowed(notes, { sampleRate: SR, seed, vibrato });
  return applyRoom(dry, { sampleRate: SR, seed, ...room });
}

describe('vibrato from the pitch track', () => {
  it('measures rate within 0.15 Hz and width within 6 cents over the grid', () => {
    let worstRate = { error: 0, label: '' };
    let worstWidth = { error: 0, label: '' };
    let seed = 0;
    for (const hz of PITCHES) {
      for (const rateHz of RATES) {
        for (const widthCents of WIDTHS) {
          const r = analyzeRecording({ samples: render(hz, ++seed, { rateHz, widthCents }), sampleRate: SR });
          const label = `${hz} Hz, ${rateHz} Hz, ${widthCents} cents`;
          const rateError = Math.abs((r.vibratoRateHz ?? Infinity) - rateHz);
          const widthError = Math.abs((r.vibratoExtentCents ?? Infinity) - widthCents);
          if (rateError >= worstRate.error) worstRate = { error: rateError, label };
          if (widthError >= worstWidth.error) worstWidth = { error: widthError, label };
          expect(rateError, label).toBeLessThanOrEqual(0.15);
          expect(widthError, label).toBeLessThanOrEqual(6);
        }
      }
    }
    console.log(
      `vibrato (${PITCHES.length * RATES.length * WIDTHS.length} cases): worst rate error ${worstRate.error.toFixed(3)} Hz (${worstRate.label}); worst width error ${worstWidth.error.toFixed(2)} cents (${worstWidth.label})`,
    );
  });

  it('reports no vibrato (rate null, extent <= 10 cents) on plain notes', () => {
    let worst = 0;
    for (const hz of PITCHES) {
      const r = analyzeRecording({ samples: render(hz, 1000 + hz), sampleRate: SR });
      expect(r.vibratoRateHz, `${hz} Hz`).toBeNull();
      expect(r.vibratoExtentCents, `${hz} Hz`).not.toBeNull();
      expect(r.vibratoExtentCents!, `${hz} Hz`).toBeLessThanOrEqual(10);
      worst = Math.max(worst, r.vibratoExtentCents!);
    }
    console.log(`plain notes: largest reported extent ${worst} cents`);
  });

  // In a room each partial arrives through its own random phase response, so the partials' swings
  // are out of step; the width is measured harmonic by harmonic (pitch/harmonic-vibrato.ts). Over the
  // whole grid it holds within 10 cents (worst 6.7 / 9.4 cents, SD 2.9 / 3.8 % of the width at RT60
  // 0.4 / 0.8 s): the 6-cent gate holds dry, not for every wide vibrato in a room (docs/metrics.md).
  it('in RT60 0.4 and 0.8 s rooms: rate within 0.15 Hz and width within 10 cents over the grid, no vibrato on plain notes', () => {
    const rooms = [
      { rt60S: 0.4, snrDb: 35 },
      { rt60S: 0.8, snrDb: 25 },
    ];
    for (const room of rooms) {
      let worstRate = { error: 0, label: '' };
      let worstWidth = { error: 0, label: '' };
      const relativeErrors: number[] = [];
      let seed = 700 + room.rt60S * 10;
      for (const hz of PITCHES) {
        for (const rateHz of RATES) {
          for (const widthCents of WIDTHS) {
            const r = analyzeRecording({
              samples: render(hz, ++seed, { rateHz, widthCents }, room),
              sampleRate: SR,
            });
            const label = `RT60 ${room.rt60S} s: ${hz} Hz, ${rateHz} Hz, ${widthCents} cents`;
            const rateError = Math.abs((r.vibratoRateHz ?? Infinity) - rateHz);
            const widthError = Math.abs((r.vibratoExtentCents ?? Infinity) - widthCents);
            if (rateError >= worstRate.error) worstRate = { error: rateError, label };
            if (widthError >= worstWidth.error) worstWidth = { error: widthError, label };
            relativeErrors.push(((r.vibratoExtentCents ?? 0) - widthCents) / widthCents);
            expect(rateError, label).toBeLessThanOrEqual(0.15);
            expect(widthError, label).toBeLessThanOrEqual(10);
          }
        }
      }
      for (const hz of [65, 260, 900]) {
        const plain = analyzeRecording({ samples: render(hz, ++seed, undefined, room), sampleRate: SR });
        expect(plain.vibratoRateHz, `plain ${hz} Hz, RT60 ${room.rt60S} s`).toBeNull();
        expect(plain.vibratoExtentCents!, `plain ${hz} Hz, RT60 ${room.rt60S} s`).toBeLessThanOrEqual(10);
      }
      const bias = relativeErrors.reduce((a, b) => a + b, 0) / relativeErrors.length;
      const spread = Math.sqrt(
        relativeErrors.reduce((a, b) => a + (b - bias) ** 2, 0) / relativeErrors.length,
      );
      // No systematic narrowing left: the old whole-waveform estimate read 80-98 % of the width.
      expect(Math.abs(bias), `RT60 ${room.rt60S} s bias`).toBeLessThanOrEqual(0.03);
      console.log(
        `room RT60 ${room.rt60S} s, ${room.snrDb} dB SNR (${relativeErrors.length} cases): worst rate error ${worstRate.error.toFixed(3)} Hz (${worstRate.label}); worst width error ${worstWidth.error.toFixed(2)} cents (${worstWidth.label}); width bias ${(100 * bias).toFixed(1)} %, SD ${(100 * spread).toFixed(1)} %`,
      );
    }
  });
});

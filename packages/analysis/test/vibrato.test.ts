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

interface GridCase {
  label: string;
  rateError: number;
  widthError: number;
  /** (measured - true width) / true width */
  relativeWidthError: number;
}

/** Every pitch x rate x width of the grid, seeds from `firstSeed` + 1, in one place (dry by default). */
function measureGrid(firstSeed: number, room?: { rt60S: number; snrDb: number }): GridCase[] {
  const cases: GridCase[] = [];
  let seed = firstSeed;
  for (const hz of PITCHES) {
    for (const rateHz of RATES) {
      for (const widthCents of WIDTHS) {
        const r = analyzeRecording({
          samples: render(hz, ++seed, { rateHz, widthCents }, room),
          sampleRate: SR,
        });
        const width = r.vibratoExtentCents ?? Infinity;
        cases.push({
          label: `${room ? `RT60 ${room.rt60S} s: ` : ''}${hz} Hz, ${rateHz} Hz, ${widthCents} cents`,
          rateError: Math.abs((r.vibratoRateHz ?? Infinity) - rateHz),
          widthError: Math.abs(width - widthCents),
          relativeWidthError: (width - widthCents) / widthCents,
        });
      }
    }
  }
  return cases;
}

function worst(cases: GridCase[], key: 'rateError' | 'widthError'): GridCase {
  return cases.reduce((a, b) => (b[key] >= a[key] ? b : a));
}

describe('vibrato from the pitch track', () => {
  it('measures rate within 0.15 Hz and width within 6 cents over the grid', () => {
    const cases = measureGrid(0);
    for (const c of cases) {
      expect(c.rateError, c.label).toBeLessThanOrEqual(0.15);
      expect(c.widthError, c.label).toBeLessThanOrEqual(6);
    }
    const rate = worst(cases, 'rateError');
    const width = worst(cases, 'widthError');
    console.log(
      `vibrato (${cases.length} cases): worst rate error ${rate.rateError.toFixed(3)} Hz (${rate.label}); worst width error ${width.widthError.toFixed(2)} cents (${width.label})`,
    );
  });

  it('reports no vibrato (rate null, extent <= 10 cents) on plain notes', () => {
    let largest = 0;
    for (const hz of PITCHES) {
      const r = analyzeRecording({ samples: render(hz, 1000 + hz), sampleRate: SR });
      expect(r.vibratoRateHz, `${hz} Hz`).toBeNull();
      expect(r.vibratoExtentCents, `${hz} Hz`).not.toBeNull();
      expect(r.vibratoExtentCents!, `${hz} Hz`).toBeLessThanOrEqual(10);
      largest = Math.max(largest, r.vibratoExtentCents!);
    }
    console.log(`plain notes: largest reported extent ${largest} cents`);
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
      const firstSeed = 700 + room.rt60S * 10;
      const cases = measureGrid(firstSeed, room);
      for (const c of cases) {
        expect(c.rateError, c.label).toBeLessThanOrEqual(0.15);
        expect(c.widthError, c.label).toBeLessThanOrEqual(10);
      }
      let seed = firstSeed + cases.length;
      for (const hz of [65, 260, 900]) {
        const plain = analyzeRecording({ samples: render(hz, ++seed, undefined, room), sampleRate: SR });
        expect(plain.vibratoRateHz, `plain ${hz} Hz, RT60 ${room.rt60S} s`).toBeNull();
        expect(plain.vibratoExtentCents!, `plain ${hz} Hz, RT60 ${room.rt60S} s`).toBeLessThanOrEqual(10);
      }
      const relative = cases.map((c) => c.relativeWidthError);
      const bias = relative.reduce((a, b) => a + b, 0) / relative.length;
      const spread = Math.sqrt(relative.reduce((a, b) => a + (b - bias) ** 2, 0) / relative.length);
      // No systematic narrowing left: the old whole-waveform estimate read 80-98 % of the width.
      expect(Math.abs(bias), `RT60 ${room.rt60S} s bias`).toBeLessThanOrEqual(0.03);
      const rate = worst(cases, 'rateError');
      const width = worst(cases, 'widthError');
      console.log(
        `room RT60 ${room.rt60S} s, ${room.snrDb} dB SNR (${cases.length} cases): worst rate error ${rate.rateError.toFixed(3)} Hz (${rate.label}); worst width error ${width.widthError.toFixed(2)} cents (${width.label}); width bias ${(100 * bias).toFixed(1)} %, SD ${(100 * spread).toFixed(1)} %`,
      );
    }
  });
});

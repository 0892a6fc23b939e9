import { describe, expect, it } from 'vitest';
import { analyzeRecording } from '../src/analyze-recording';
import { applyRoom, renderBowed } from './support/synth';

const SR = 22050;
const RATES = [4.5, 5.5, 6.25, 7];
const WIDTHS = [20, 50, 85, 120];
const PITCHES = [65, 130, 260, 520, 900];

function render(hz: number, seed: number, vibrato?: { rateHz: number; widthCents: number }): Float32Array {
  // Two sustained notes a minor third apart, bow noise, 30 dB SNR room noise.
  const notes = [
    { onsetS: 0.3, durationS: 2.4, hz },
    { onsetS: 2.8, durationS: 2.4, hz: hz * 2 ** (3 / 12) },
  ];
  const dry = renderBowed(notes, { sampleRate: SR, seed, vibrato });
  return applyRoom(dry, { sampleRate: SR, seed, rt60S: 0, snrDb: 30 });
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

  it('reads a reverberant room (RT60 0.4 s) somewhat narrower: informational', () => {
    const dry = renderBowed([{ onsetS: 0.3, durationS: 2.4, hz: 440 }], {
      sampleRate: SR,
      seed: 5,
      vibrato: { rateHz: 6, widthCents: 80 },
    });
    const wet = applyRoom(dry, { sampleRate: SR, seed: 5, rt60S: 0.4, snrDb: 35 });
    const r = analyzeRecording({ samples: wet, sampleRate: SR });
    console.log(
      `room RT60 0.4 s: 6 Hz / 80 cents reads ${r.vibratoRateHz} Hz / ${r.vibratoExtentCents} cents`,
    );
    expect(r.vibratoRateHz).not.toBeNull();
  });
});

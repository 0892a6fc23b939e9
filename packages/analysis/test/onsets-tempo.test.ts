import { describe, expect, it } from 'vitest';
import { analyzeRecording } from '../src/analyze-recording';
import { estimateTempo } from '../src/tempo';
import type { Articulation } from './support/phrases';
import { makePhrase, onsetFMeasure } from './support/phrases';
import { Prng } from './support/prng';
import { applyRoom, renderBowed } from './support/synth';

const SR = 22050;
const ROOMS = [
  { name: 'dry', rt60S: 0, snrDb: Infinity },
  { name: 'RT60 0.4 s, 35 dB SNR', rt60S: 0.4, snrDb: 35 },
  { name: 'RT60 0.8 s, 25 dB SNR', rt60S: 0.8, snrDb: 25 },
];
const ARTICULATIONS: Articulation[] = ['detache', 'legato', 'repeated'];
const JITTERS_MS = [0, 15, 35];

interface Case {
  label: string;
  articulation: Articulation;
  room: string;
  f: number;
  matched: number;
  detected: number;
  truth: number;
  tempoErrorPct: number;
  varianceErrorMs: number;
}

// 3 articulations x 3 rooms x 3 jitters x (violin or cello range), 24 notes each, seeded.
function runGrid(): Case[] {
  const rng = new Prng(2024);
  const cases: Case[] = [];
  let seed = 1;
  for (const articulation of ARTICULATIONS) {
    for (const room of ROOMS) {
      for (const jitterMs of JITTERS_MS) {
        for (const cello of [false, true]) {
          seed++;
          const tempoBpm = rng.uniform(60, 144);
          const phrase = makePhrase({
            articulation,
            tempoBpm,
            jitterMs,
            seed,
            noteCount: 24,
            lowHz: cello ? 65 : 196,
            highHz: cello ? 440 : 900,
          });
          const dry = renderBowed(phrase.notes, { sampleRate: SR, seed });
          const wet = applyRoom(dry, { sampleRate: SR, seed, rt60S: room.rt60S, snrDb: room.snrDb }).subarray(
            0,
            dry.length,
          );
          const result = analyzeRecording({ samples: wet, sampleRate: SR });
          const fm = onsetFMeasure(result.onsetsS, phrase.onsetsS);
          cases.push({
            label: `${articulation} ${room.name} jitter ${jitterMs} ms ${cello ? 'cello' : 'violin'} ${tempoBpm.toFixed(1)} BPM`,
            articulation,
            room: room.name,
            f: fm.f,
            matched: fm.matchedOffsetsS.length,
            detected: result.onsetsS.length,
            truth: phrase.onsetsS.length,
            tempoErrorPct: (100 * Math.abs((result.tempoBpm ?? 0) - tempoBpm)) / tempoBpm,
            varianceErrorMs: Math.abs((result.tempoVarianceMs ?? Infinity) - phrase.varianceMs),
          });
        }
      }
    }
  }
  return cases;
}

describe('onsets and tempo on generated bowed phrases', () => {
  const cases = runGrid();
  const worst = (key: 'tempoErrorPct' | 'varianceErrorMs', list = cases): Case =>
    list.reduce((a, b) => (b[key] > a[key] ? b : a));

  it('finds onsets with F-measure >= 0.95 at +-50 ms (every articulation and room)', () => {
    const matched = cases.reduce((s, c) => s + c.matched, 0);
    const detected = cases.reduce((s, c) => s + c.detected, 0);
    const truth = cases.reduce((s, c) => s + c.truth, 0);
    const precision = matched / detected;
    const recall = matched / truth;
    const f = (2 * precision * recall) / (precision + recall);
    const worstCase = cases.reduce((a, b) => (b.f < a.f ? b : a));
    console.log(
      `onsets: ${cases.length} phrases, F=${f.toFixed(4)} (P=${precision.toFixed(4)} R=${recall.toFixed(4)}); worst phrase F=${worstCase.f.toFixed(3)} (${worstCase.label})`,
    );
    expect(f).toBeGreaterThanOrEqual(0.95);
    for (const articulation of ARTICULATIONS) {
      const subset = cases.filter((c) => c.articulation === articulation);
      const m = subset.reduce((s, c) => s + c.matched, 0);
      const pf = (2 * m) / subset.reduce((s, c) => s + c.detected + c.truth, 0);
      expect(pf, articulation).toBeGreaterThanOrEqual(0.95);
    }
    for (const room of ROOMS) {
      const subset = cases.filter((c) => c.room === room.name);
      const m = subset.reduce((s, c) => s + c.matched, 0);
      const pf = (2 * m) / subset.reduce((s, c) => s + c.detected + c.truth, 0);
      expect(pf, room.name).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('estimates tempo within 1 % in every phrase', () => {
    const w = worst('tempoErrorPct');
    console.log(`tempo: worst error ${w.tempoErrorPct.toFixed(2)} % (${w.label})`);
    for (const c of cases) expect(c.tempoErrorPct, c.label).toBeLessThanOrEqual(1);
  });

  it('estimates tempo variance within 6 ms in every phrase (every articulation and room)', () => {
    const w = worst('varianceErrorMs');
    const legatoCello = worst(
      'varianceErrorMs',
      cases.filter((c) => c.articulation === 'legato' && c.label.includes('cello')),
    );
    console.log(
      `tempo variance: worst error ${w.varianceErrorMs.toFixed(1)} ms over ${cases.length} phrases (${w.label}); legato cello worst ${legatoCello.varianceErrorMs.toFixed(1)} ms (${legatoCello.label})`,
    );
    for (const c of cases) expect(c.varianceErrorMs, c.label).toBeLessThanOrEqual(6);
  });

  it('does not let a missed onset inflate the variance', () => {
    const beat = 0.5;
    const onsets = [0, 0.5, 1.0, 2.0, 2.5, 3.0, 3.5]; // the onset at 1.5 s was missed
    const t = estimateTempo(onsets);
    expect(t.tempoBpm).toBeCloseTo(60 / beat, 6);
    expect(t.tempoVarianceMs).toBeCloseTo(0, 6);
  });
});

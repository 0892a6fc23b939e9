import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A bowed-like phrase: a note every 0.5 s on four pitches, each with an attack. */
const PHRASE =
  "aevalsrc='0.4*sin(2*PI*t*(330+55*floor(mod(t*2\\,4))))*(0.35+0.65*exp(-4*mod(t\\,0.5)))':s=44100";

export interface TestClips {
  /** H.264 + AAC with a phrase to measure. */
  good: string;
  /** The same with a silent sound track. */
  silent: string;
  /** Picture, no sound track. */
  noAudio: string;
  /** Plain text named .mp4. */
  text: string;
  /** The first 40 % of `good` (its index up front, the rest cut off). */
  truncated: string;
}

/** Generates the clips with Debian's ffmpeg (small, 640×360, `seconds` long) into `dir`. */
export async function generateTestClips(dir: string, seconds = 6): Promise<TestClips> {
  const video = ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'];
  const encode = ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-movflags', '+faststart'];
  const clips: TestClips = {
    good: join(dir, 'good.mp4'),
    silent: join(dir, 'silent.mp4'),
    noAudio: join(dir, 'no-audio.mp4'),
    text: join(dir, 'notes.mp4'),
    truncated: join(dir, 'truncated.mp4'),
  };
  const t = ['-t', String(seconds)];
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    ...video,
    '-f',
    'lavfi',
    '-i',
    PHRASE,
    ...t,
    ...encode,
    clips.good,
  ]);
  await run('ffmpeg', [
    ...['-v', 'error', '-y', ...video, '-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=mono'],
    ...t,
    ...encode,
    clips.silent,
  ]);
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    ...video,
    ...t,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    clips.noAudio,
  ]);
  await writeFile(clips.text, 'These are my practice notes, not a video.\n'.repeat(100));
  const good = await readFile(clips.good);
  await writeFile(clips.truncated, good.subarray(0, Math.floor(good.length * 0.4)));
  return clips;
}

export interface PhraseClipOptions {
  seconds: number;
  width: number;
  height: number;
  /** Default 30. */
  fps?: number;
}

/**
 * One H.264 + AAC clip with the phrase above, of any size and length (`testsrc2`, `-preset ultrafast`, so it is
 * quick to make and busy to decode). Process tests need one long enough to kill mid-transcode; benchmarks a
 * phone-sized one. Returns `path`.
 */
export async function generatePhraseClip(path: string, options: PhraseClipOptions): Promise<string> {
  await run('ffmpeg', [
    ...['-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${options.width}x${options.height}:rate=${options.fps ?? 30}`],
    ...['-f', 'lavfi', '-i', PHRASE],
    ...['-t', String(options.seconds)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-movflags', '+faststart', path],
  ]);
  return path;
}

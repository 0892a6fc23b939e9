/**
 * Speed of the whole pipeline on a 5-minute 1080p video with audio:
 *   npm run bench:analysis            (from the repository root)
 * Generates the clip with ffmpeg in a temp dir (testsrc2 video + a generated bowed phrase), then
 * times audio decode, the audio metrics, video decode and video motion separately, and prints a
 * Markdown table to paste into docs/benchmarks.md. Peak RSS comes from process.resourceUsage().
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeRecording } from '../src/analyze-recording';
import { videoStability } from '../src/bow-stability';
import { decodeAudio, decodeVideoFrames, probeMedia } from '../src/media/decode';
import { makePhrase } from '../test/support/phrases';
import { renderBowed } from '../test/support/synth';
import { encodeWav } from '../test/support/wav';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 300);

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - start) / 1000 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rosin-bench-'));
  try {
    // A phrase of ~96 BPM détaché/vibrato-free notes long enough to fill the clip.
    const phrase = makePhrase({
      articulation: 'detache',
      tempoBpm: 96,
      jitterMs: 15,
      seed: 1,
      noteCount: Math.ceil((DURATION_S * 96) / 60 / 1.15),
      lowHz: 196,
      highHz: 880,
    });
    const audio = renderBowed(phrase.notes, { sampleRate: 48000, seed: 1 });
    writeFileSync(join(dir, 'audio.wav'), encodeWav(audio, 48000));
    const video = join(dir, 'clip.mp4');
    const gen = await timed(
      () =>
      ffmpeg([
        '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${DURATION_S}`,
        '-i', join(dir, 'audio.wav'), '-t', String(DURATION_S),
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k',
        video,
      ]), // prettier-ignore
    );

    const decode = await timed(() => decodeAudio(video));
    const metrics = await timed(() =>
      analyzeRecording({ samples: decode.value.samples, sampleRate: decode.value.sampleRate }),
    );
    const info = await probeMedia(video);
    const videoDecode = await timed(() => decodeVideoFrames(video, info.videoFps ?? 30));
    const motion = await timed(() => videoStability(videoDecode.value));
    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
    const audioTotal = decode.seconds + metrics.seconds;
    const x = (s: number): string => `${(DURATION_S / s).toFixed(0)}x`;
    const lines = [
      `Machine: ${cpus().length} vCPU (nproc), ${cpu}, Node ${process.version}`,
      `Input: ${DURATION_S} s 1920x1080 30 fps H.264 (ultrafast) + AAC 48 kHz, generated in ${gen.seconds.toFixed(1)} s (not counted)`,
      '',
      '| Stage | Time (s) | x real time |',
      '| --- | ---: | ---: |',
      `| Audio decode (ffmpeg -> 22,050 Hz mono f32) | ${decode.seconds.toFixed(2)} | ${x(decode.seconds)} |`,
      `| Audio metrics (analyzeRecording, no video) | ${metrics.seconds.toFixed(2)} | ${x(metrics.seconds)} |`,
      `| **Decode + audio metrics** | **${audioTotal.toFixed(2)}** | **${x(audioTotal)}** |`,
      `| Video decode (ffmpeg -> 160x160 gray, ${videoDecode.value.fps} fps) | ${videoDecode.seconds.toFixed(2)} | ${x(videoDecode.seconds)} |`,
      `| Video motion (videoStability) | ${motion.seconds.toFixed(2)} | ${x(motion.seconds)} |`,
      `| Everything | ${(audioTotal + videoDecode.seconds + motion.seconds).toFixed(2)} | ${x(audioTotal + videoDecode.seconds + motion.seconds)} |`,
      '',
      `Peak RSS of the benchmark process: ${peakRssMb.toFixed(0)} MB`,
      `Result: ${metrics.value.onsetsS.length} onsets (${phrase.onsetsS.filter((t) => t < DURATION_S).length} generated), tempo ${metrics.value.tempoBpm} BPM, bowStability ${motion.value?.score.toFixed(1)}`,
    ];
    console.log(lines.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

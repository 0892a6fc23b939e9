/**
 * Speed of the whole pipeline on a 5-minute 1080p video with audio:
 *   npm run bench:analysis            (from the repository root)
 * Generates the clip with ffmpeg in a temp dir (testsrc2 video + a generated bowed phrase) in a
 * child process, then times audio decode, the audio metrics and the video motion (frames streamed
 * from ffmpeg into the estimate) separately, and prints a Markdown table to paste into
 * docs/benchmarks.md. Peak RSS comes from process.resourceUsage(); generating the audio takes more
 * memory than analysing it, hence the child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeRecording } from '../src/analyze-recording';
import { VideoMotion } from '../src/bow-stability';
import { decodeAudio, decodeVideoFrames, probeMedia, videoMotionFromFile } from '../src/media/decode';
import { median } from '../src/stats';
import { makePhrase, onsetFMeasure } from '../test/support/phrases';
import { renderBowed } from '../test/support/synth';
import { encodeWav } from '../test/support/wav';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 300);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - start) / 1000 };
}

/** Child process: write clip.mp4 and onsets.json into `dir`. */
async function generate(dir: string): Promise<void> {
  // A lyrical phrase at 60 BPM with vibrato on every note: the dearest case, since each note long
  // enough for two vibrato cycles is measured harmonic by harmonic.
  const phrase = makePhrase({
    articulation: 'detache',
    tempoBpm: 60,
    jitterMs: 15,
    seed: 1,
    noteCount: Math.ceil((DURATION_S * 60) / 60 / 1.15),
    lowHz: 196,
    highHz: 880,
  });
  const audio = renderBowed(phrase.notes, {
    sampleRate: 48000,
    seed: 1,
    vibrato: { rateHz: 5.5, widthCents: 50 },
  });
  writeFileSync(join(dir, 'audio.wav'), encodeWav(audio, 48000));
  writeFileSync(join(dir, 'onsets.json'), JSON.stringify(phrase.onsetsS));
  ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${DURATION_S}`,
    '-i', join(dir, 'audio.wav'), '-t', String(DURATION_S),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k',
    join(dir, 'clip.mp4'),
  ]); // prettier-ignore
}

async function main(): Promise<void> {
  if (process.argv[2] === '--generate') return generate(process.argv[3]!);
  const startLoad = loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
  const dir = mkdtempSync(join(tmpdir(), 'rosin-bench-'));
  try {
    const gen = await timed(() => {
      const r = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), '--generate', dir],
        { stdio: 'inherit' },
      );
      if (r.status !== 0) throw new Error('generating the clip failed');
    });
    const video = join(dir, 'clip.mp4');
    const generatedOnsets = JSON.parse(readFileSync(join(dir, 'onsets.json'), 'utf8')) as number[];

    // The audio stages take seconds on a shared machine whose speed wanders by tens of percent
    // from one minute to the next: time them BENCH_REPEATS times and report the median.
    const decodeRuns: number[] = [];
    const metricsRuns: number[] = [];
    let decoded: Awaited<ReturnType<typeof decodeAudio>> | undefined;
    let analysis: ReturnType<typeof analyzeRecording> | undefined;
    for (let i = 0; i < REPEATS; i++) {
      const d = await timed(() => decodeAudio(video));
      const m = await timed(() =>
        analyzeRecording({ samples: d.value.samples, sampleRate: d.value.sampleRate }),
      );
      decodeRuns.push(d.seconds);
      metricsRuns.push(m.seconds);
      decoded = d.value;
      analysis = m.value;
    }
    const decode = { value: decoded!, seconds: median(decodeRuns) };
    const metrics = { value: analysis!, seconds: median(metricsRuns) };
    const audioRuns = decodeRuns.map((d, i) => d + metricsRuns[i]!);
    const audioPeakRssMb = process.resourceUsage().maxRSS / 1024;
    const info = await probeMedia(video);
    const motion = await timed(() => videoMotionFromFile(video, info.videoFps ?? 30));
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    // BENCH_WHOLE_VIDEO=1: also score the clip as one segment from frames held in memory (how the
    // video path worked before streaming), after the peak RSS above was taken.
    let whole = '';
    if (process.env.BENCH_WHOLE_VIDEO === '1') {
      const frames = await timed(() => decodeVideoFrames(video, info.videoFps ?? 30));
      const score = await timed(() => {
        const oneSegment = new VideoMotion(
          frames.value.width,
          frames.value.height,
          frames.value.fps,
          Infinity,
        );
        const pixels = frames.value.width * frames.value.height;
        for (let f = 0; (f + 1) * pixels <= frames.value.data.length; f++)
          oneSegment.push(frames.value.data.subarray(f * pixels, (f + 1) * pixels));
        return oneSegment.result();
      });
      whole = `; the whole clip as one segment from frames held in memory: bowStability ${score.value?.score.toFixed(1)} (decode ${frames.seconds.toFixed(2)} s + motion ${score.seconds.toFixed(2)} s)`;
    }
    const truth = generatedOnsets.filter((t) => t < DURATION_S);
    const accuracy = onsetFMeasure(metrics.value.onsetsS, truth);

    const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
    const audioTotal = median(audioRuns);
    const list = (runs: number[]): string => runs.map((r) => r.toFixed(2)).join(', ');
    const x = (s: number): string => `${(DURATION_S / s).toFixed(0)}x`;
    const lines = [
      `Machine: ${cpus().length} vCPU (nproc), ${cpu}, Node ${process.version}`,
      `Input: ${DURATION_S} s 1920x1080 30 fps H.264 (ultrafast) + AAC 48 kHz, generated in ${gen.seconds.toFixed(1)} s (not counted)`,
      '',
      '| Stage | Time (s) | x real time |',
      '| --- | ---: | ---: |',
      `| Audio decode (ffmpeg -> 22,050 Hz mono f32), median of ${REPEATS} (${list(decodeRuns)}) | ${decode.seconds.toFixed(2)} | ${x(decode.seconds)} |`,
      `| Audio metrics (analyzeRecording, no video), median of ${REPEATS} (${list(metricsRuns)}) | ${metrics.seconds.toFixed(2)} | ${x(metrics.seconds)} |`,
      `| **Decode + audio metrics**, median of ${REPEATS} (${list(audioRuns)}) | **${audioTotal.toFixed(2)}** | **${x(audioTotal)}** |`,
      `| Video decode + motion, streamed (ffmpeg -> 160x160 gray, ${Math.min(30, info.videoFps ?? 30)} fps -> VideoMotion) | ${motion.seconds.toFixed(2)} | ${x(motion.seconds)} |`,
      `| Everything | ${(audioTotal + motion.seconds).toFixed(2)} | ${x(audioTotal + motion.seconds)} |`,
      '',
      `Peak RSS of the benchmark process: ${audioPeakRssMb.toFixed(0)} MB after the audio stages, ${peakRssMb.toFixed(0)} MB at the end`,
      `Load average (1/5/15 min) at the start: ${startLoad}`,
      `Load average (1/5/15 min) at the end: ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' / ')}`,
      `Result: ${metrics.value.onsetsS.length} onsets (${truth.length} generated, F=${accuracy.f.toFixed(3)} at +-50 ms), tempo ${metrics.value.tempoBpm} BPM (generated 60), vibrato ${metrics.value.vibratoRateHz} Hz / ${metrics.value.vibratoExtentCents} cents (generated 5.5 Hz / 50 cents), bowStability ${motion.value?.score.toFixed(1)}${whole}`,
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

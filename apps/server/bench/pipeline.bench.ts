/**
 * `npm run bench:pipeline`: a 60 s 1920×1080 clip through the whole media pipeline (upload → HLS + metrics) on
 * the embedded default, beside plain ffmpeg with the same settings, in the same run. Target: the pipeline
 * reaches ≥ 0.9 of ffmpeg's own throughput (ffmpeg's wall time / the pipeline's).
 *
 * Per run, interleaved so both see the same machine load:
 * (a) plain ffmpeg: exactly `hlsTranscodeArgs` (what `transcodeToHls` runs) on the clip;
 * (b) the pipeline: a spawned server (`node --import tsx src/main.ts`, what `npm start` runs) on a temp
 *     DATA_DIR, driven over loopback HTTP like a phone: POST /sessions, PUT the parts, confirm, complete, poll
 *     GET /sessions/{id} until `ready`. The server's ffmpeg/ffprobe children are sampled from /proc meanwhile,
 *     which gives the timeline of probe, transcode and the analysis' decodes inside the pipeline;
 * (c) a prototype: one ffmpeg pass producing the same HLS + poster and, from the same decode, the analysis'
 *     mono PCM and 160×160 gray frames on pipes, then `analyzeRecording` on them.
 * Then, once: each stage alone (copy, probe, audio decode, frame decode, analysis compute).
 *
 * BENCH_RUNS (default 3) and BENCH_CLIP_SECONDS (default 60) tune it. Writes its section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { analyzeRecording, type RecordingAnalysis } from '@rosin/analysis/analyze-recording';
import { analyzeMediaFile } from '@rosin/analysis/media/analyze-media-file';
import type { PracticeSessionDetail } from '@rosin/contracts/sessions';
import { decodeAudio, decodeVideoFrames } from '@rosin/analysis/media/decode';
import { runMediaTool } from '../src/media/ffmpeg';
import { probeVideo } from '../src/media/probe';
import { hlsTranscodeArgs } from '../src/media/transcode';
import {
  completeUpload,
  createSessionWithVideo,
  digestFile,
  registerStudent,
  getSession,
  uploadPartsFromFile,
  type FileDigests,
} from '../test/http-upload';
import { generatePhraseClip } from '../test/media-clips';
import {
  childProcesses,
  cpuSeconds,
  freePort,
  killAllStartedServers,
  killAllStartedServersNow,
  startServerScript,
  waitForListening,
} from '../test/server-process';
import { isoSeconds, machineSummary, markdownTable, median, writeSection } from './report';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLIP = { seconds: Number(process.env.BENCH_CLIP_SECONDS ?? 60), width: 1920, height: 1080, fps: 30 };
const TARGET_RATIO = 0.9;
const UPLOAD_CONCURRENCY = 4;
const TIMELINE_POLL_MS = 50;
const SESSION_POLL_MS = 200;
const SECTION_HEADING = '## Media pipeline (npm run bench:pipeline)';
/** The analysis' defaults (packages/analysis/src/media): 22,050 Hz mono PCM, 160×160 gray frames ≤ 30 fps. */
const ANALYSIS_SAMPLE_RATE = 22_050;
const MOTION_SIZE = 160;

// --- Timeline of the server's ffmpeg/ffprobe children -------------------------------------------------------

type ToolStage = 'probe (pipeline)' | 'probe (analysis)' | 'audio decode' | 'frame decode' | 'transcode';
const STAGE_ORDER: ToolStage[] = [
  'probe (pipeline)',
  'probe (analysis)',
  'transcode',
  'audio decode',
  'frame decode',
];

/** Which pipeline stage a child process is, by its command line (see probe.ts, transcode.ts, analysis decode.ts). */
function classify(args: string[]): ToolStage | undefined {
  const binary = args[0] ?? '';
  if (binary.endsWith('ffprobe')) {
    return args.some((arg) => arg.includes('format=duration')) ? 'probe (pipeline)' : 'probe (analysis)';
  }
  if (!binary.endsWith('ffmpeg')) return undefined;
  if (args.includes('-hls_segment_filename')) return 'transcode';
  if (args.includes('f32le')) return 'audio decode';
  if (args.includes('rawvideo')) return 'frame decode';
  return undefined;
}

interface ToolSpan {
  stage: ToolStage;
  /** Seconds after the timeline's origin, as first and last seen (± one poll). */
  startS: number;
  endS: number;
  /** CPU time (user + system) it used, as last seen (± one poll). */
  cpuS: number;
}

/** Polls the children of `pid` until stopped; spans are relative to `originMs` (performance.now()). */
function recordTimeline(pid: number, originMs: number): { stop(): Promise<ToolSpan[]> } {
  const seen = new Map<number, ToolSpan>();
  let stopped = false;
  const polling = (async () => {
    while (!stopped) {
      const children = await childProcesses(pid);
      const nowS = (performance.now() - originMs) / 1000;
      for (const child of children) {
        const stage = classify(child.args);
        if (!stage) continue;
        const cpuS = await cpuSeconds(child.pid);
        const span = seen.get(child.pid) ?? { stage, startS: nowS, endS: nowS, cpuS: 0 };
        span.endS = nowS;
        if (cpuS !== undefined) span.cpuS = Math.max(span.cpuS, cpuS);
        seen.set(child.pid, span);
      }
      await sleep(TIMELINE_POLL_MS);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await polling;
      return [...seen.values()].sort((a, b) => a.startS - b.startS);
    },
  };
}

// --- (a) plain ffmpeg, (b) the pipeline, (c) the one-pass prototype -------------------------------------------

interface PlainRun {
  wallS: number;
  cpuS: number;
}

async function plainFfmpeg(clip: string, outDir: string, durationS: number): Promise<PlainRun> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const started = performance.now();
  const timeline = recordTimeline(process.pid, started);
  const result = await runMediaTool('ffmpeg', hlsTranscodeArgs(clip, outDir, durationS));
  const wallS = (performance.now() - started) / 1000;
  const spans = await timeline.stop();
  if (result.code !== 0) throw new Error(`plain ffmpeg failed: ${result.stderrTail}`);
  await rm(outDir, { recursive: true, force: true });
  return { wallS, cpuS: sumCpu(spans, 'transcode') };
}

function sumCpu(spans: ToolSpan[], stage: ToolStage): number {
  return spans.filter((span) => span.stage === stage).reduce((sum, span) => sum + span.cpuS, 0);
}

interface PipelineRun {
  /** POST /sessions, then every part PUT and confirmed. */
  uploadS: number;
  /** POST …/complete: the server assembles the parts into the object. */
  completeS: number;
  /** From the complete call's answer to `ready` (outbox → job → download → probe → transcode ∥ analysis → store). */
  processingS: number;
  totalS: number;
  /** Relative to the complete call's answer. */
  spans: ToolSpan[];
  /** CPU time of the server's own (Node) process from the complete call's answer to `ready`. */
  serverCpuS: number;
  /** The slowest `GET /sessions/{id}` answer while the pipeline ran. */
  slowestPollMs: number;
}

async function pipelineRun(
  baseUrl: string,
  token: string,
  serverPid: number,
  clip: string,
  digests: FileDigests,
): Promise<PipelineRun> {
  const started = performance.now();
  const { sessionId, plan } = await createSessionWithVideo(baseUrl, token, digests);
  await uploadPartsFromFile(baseUrl, token, plan, clip, UPLOAD_CONCURRENCY);
  const uploaded = performance.now();
  await completeUpload(baseUrl, token, plan);
  const completed = performance.now();
  const serverCpuBefore = (await cpuSeconds(serverPid)) ?? 0;
  const timeline = recordTimeline(serverPid, completed);
  // Polled by hand to time each GET: in the embedded default the API shares its event loop with the worker.
  let slowestPollMs = 0;
  let session: PracticeSessionDetail;
  for (;;) {
    const asked = performance.now();
    const answer = await getSession(baseUrl, token, sessionId);
    slowestPollMs = Math.max(slowestPollMs, performance.now() - asked);
    session = answer.body;
    if (session.status === 'ready' || session.status === 'failed') break;
    if (performance.now() - completed > 30 * 60_000) throw new Error('the pipeline did not finish in 30 min');
    await sleep(SESSION_POLL_MS);
  }
  const ready = performance.now();
  const serverCpuS = ((await cpuSeconds(serverPid)) ?? 0) - serverCpuBefore;
  const spans = await timeline.stop();
  if (session.status !== 'ready') throw new Error(`the pipeline failed: ${session.failureReason}`);
  return {
    uploadS: (uploaded - started) / 1000,
    completeS: (completed - uploaded) / 1000,
    processingS: (ready - completed) / 1000,
    totalS: (ready - started) / 1000,
    spans,
    serverCpuS,
    slowestPollMs,
  };
}

/** Everything stdout-like of one pipe, as one Buffer. */
async function collect(stream: Readable | null | undefined): Promise<Buffer> {
  if (!stream) throw new Error('missing pipe');
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

interface FusedRun {
  /** The one ffmpeg pass: HLS + poster + PCM + frames. */
  ffmpegS: number;
  ffmpegCpuS: number;
  /** `analyzeRecording` on what the pass produced (synchronous: the worker's event loop is blocked this long). */
  analysisS: number;
  totalS: number;
  analysis: RecordingAnalysis;
}

/**
 * The prototype: `hlsTranscodeArgs` unchanged plus two outputs fed by the same decode — the analysis' mono PCM
 * on fd 3 and its gray motion frames on fd 4 — so the video is decoded once instead of twice.
 */
async function fusedPass(clip: string, outDir: string, durationS: number, fps: number): Promise<FusedRun> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const motionFps = Math.min(30, fps > 0 ? fps : 30);
  const motionFilter =
    `fps=${motionFps},scale=${MOTION_SIZE}:${MOTION_SIZE}:force_original_aspect_ratio=decrease:flags=area,` +
    `pad=${MOTION_SIZE}:${MOTION_SIZE}:(ow-iw)/2:(oh-ih)/2,format=gray`;
  const args = [
    ...hlsTranscodeArgs(clip, outDir, durationS),
    ...['-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(ANALYSIS_SAMPLE_RATE), '-f', 'f32le', 'pipe:3'],
    ...['-map', '0:v:0', '-an', '-vf', motionFilter, '-f', 'rawvideo', 'pipe:4'],
  ];
  const started = performance.now();
  const timeline = recordTimeline(process.pid, started);
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const [pcm, frames] = await Promise.all([
    collect(child.stdio[3] as Readable),
    collect(child.stdio[4] as Readable),
  ]);
  const code = await exited;
  const decoded = performance.now();
  const ffmpegCpuS = sumCpu(await timeline.stop(), 'transcode');
  if (code !== 0) throw new Error(`fused ffmpeg failed: ${stderr}`);
  const samples = new Float32Array(pcm.length / 4);
  new Uint8Array(samples.buffer).set(pcm.subarray(0, samples.length * 4));
  const analysis = analyzeRecording({
    samples,
    sampleRate: ANALYSIS_SAMPLE_RATE,
    videoFrames: {
      width: MOTION_SIZE,
      height: MOTION_SIZE,
      fps: motionFps,
      data: new Uint8Array(frames.buffer, frames.byteOffset, frames.length),
    },
  });
  const analysed = performance.now();
  await rm(outDir, { recursive: true, force: true });
  return {
    ffmpegS: (decoded - started) / 1000,
    ffmpegCpuS,
    analysisS: (analysed - decoded) / 1000,
    totalS: (analysed - started) / 1000,
    analysis,
  };
}

// --- Each stage alone ----------------------------------------------------------------------------------------

interface StageCost {
  stage: string;
  seconds: number;
  /** This process's CPU time plus that of the ffmpeg/ffprobe it ran for the stage. */
  cpuSeconds: number;
}

async function stagesAlone(
  clip: string,
  workDir: string,
): Promise<{ costs: StageCost[]; analysis: RecordingAnalysis }> {
  const costs: StageCost[] = [];
  const timed = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const ownCpu = process.cpuUsage();
    const children = recordTimeline(process.pid, started);
    const result = await work();
    const wallS = (performance.now() - started) / 1000;
    const own = process.cpuUsage(ownCpu);
    const childCpuS = (await children.stop()).reduce((sum, span) => sum + span.cpuS, 0);
    costs.push({ stage, seconds: wallS, cpuSeconds: (own.user + own.system) / 1e6 + childCpuS });
    return result;
  };
  const copy = join(workDir, 'download-copy');
  await timed('Download (embedded: copy of the object into the work dir)', () => copyFile(clip, copy));
  await rm(copy, { force: true });
  await timed('Probe (ffprobe, pipeline)', () => probeVideo(clip));
  const audio = await timed('Audio decode (ffmpeg → 22,050 Hz mono f32)', () =>
    decodeAudio(clip, ANALYSIS_SAMPLE_RATE),
  );
  const frames = await timed('Frame decode (ffmpeg → 160×160 gray, 30 fps): a second full decode', () =>
    decodeVideoFrames(clip, CLIP.fps),
  );
  await timed('Analysis compute (`analyzeRecording`, synchronous)', () =>
    analyzeRecording({ samples: audio.samples, sampleRate: audio.sampleRate, videoFrames: frames }),
  );
  const analysis = await timed(
    '`analyzeMediaFile` as the pipeline calls it (probe + decodes + compute)',
    () => analyzeMediaFile(clip),
  );
  return { costs, analysis };
}

// --- Report ------------------------------------------------------------------------------------------------

const seconds = (value: number) => value.toFixed(1);
const ratio = (value: number) => value.toFixed(2);

function sameMetrics(a: RecordingAnalysis, b: RecordingAnalysis): boolean {
  const keys = [
    'tempoBpm',
    'tempoVarianceMs',
    'dynamicRangeDb',
    'vibratoRateHz',
    'vibratoExtentCents',
    'bowStability',
  ] as const;
  return keys.every((key) => a[key] === b[key]);
}

interface Results {
  clipBytes: number;
  plain: PlainRun[];
  pipeline: PipelineRun[];
  fused: FusedRun[];
  alone: StageCost[];
  fusedMatchesPipeline: boolean;
}

function timelineTable(run: PipelineRun): string {
  const body: string[][] = [];
  for (const stage of STAGE_ORDER) {
    for (const span of run.spans.filter((candidate) => candidate.stage === stage)) {
      body.push([stage, seconds(span.startS), seconds(span.endS), seconds(span.endS - span.startS)]);
    }
  }
  const lastTool = Math.max(...run.spans.map((span) => span.endS));
  const firstTool = Math.min(...run.spans.map((span) => span.startS));
  body.unshift([
    'Outbox → job → download (until the first ffprobe)',
    '0.0',
    seconds(firstTool),
    seconds(firstTool),
  ]);
  body.push([
    'After the last ffmpeg: analysis compute, segment store, DB → `ready`',
    seconds(lastTool),
    seconds(run.processingS),
    seconds(run.processingS - lastTool),
  ]);
  return markdownTable(
    ['Stage (server children, sampled every 50 ms)', 'Start (s)', 'End (s)', 'Duration (s)'],
    ['left', 'right', 'right', 'right'],
    body,
  );
}

function cpuTable(results: Results): string {
  const medianOf = (pick: (index: number) => number) => median(results.plain.map((_, index) => pick(index)));
  const spanWall = (stage: ToolStage) => (index: number) =>
    results.pipeline[index]!.spans.filter((span) => span.stage === stage).reduce(
      (sum, span) => sum + span.endS - span.startS,
      0,
    );
  const spanCpu = (stage: ToolStage) => (index: number) => sumCpu(results.pipeline[index]!.spans, stage);
  const everything = (index: number) =>
    results.pipeline[index]!.serverCpuS +
    results.pipeline[index]!.spans.reduce((sum, span) => sum + span.cpuS, 0);
  const row = (work: string, wall: (index: number) => number, cpu: (index: number) => number) => [
    work,
    seconds(medianOf(wall)),
    seconds(medianOf(cpu)),
  ];
  return markdownTable(
    ['Work', 'Wall (s)', 'CPU, user + system (s)'],
    ['left', 'right', 'right'],
    [
      row(
        'Plain ffmpeg (the transcode alone)',
        (i) => results.plain[i]!.wallS,
        (i) => results.plain[i]!.cpuS,
      ),
      row('Pipeline: transcode ffmpeg', spanWall('transcode'), spanCpu('transcode')),
      row('Pipeline: frame decode ffmpeg (analysis)', spanWall('frame decode'), spanCpu('frame decode')),
      row('Pipeline: audio decode ffmpeg (analysis)', spanWall('audio decode'), spanCpu('audio decode')),
      row(
        'Pipeline: the server process itself (analysis compute, PGlite, HTTP, copies)',
        (i) => results.pipeline[i]!.processingS,
        (i) => results.pipeline[i]!.serverCpuS,
      ),
      row('Pipeline: all of it, complete → ready', (i) => results.pipeline[i]!.processingS, everything),
      row(
        'One pass: the ffmpeg pass',
        (i) => results.fused[i]!.ffmpegS,
        (i) => results.fused[i]!.ffmpegCpuS,
      ),
    ],
  );
}

function section(results: Results, machine: string[], date: Date, endLoad: number[]): string {
  const rows = results.plain.map((plain, index) => {
    const plainS = plain.wallS;
    const run = results.pipeline[index]!;
    const fused = results.fused[index]!;
    return [
      String(index + 1),
      seconds(plainS),
      seconds(run.uploadS),
      seconds(run.completeS),
      seconds(run.processingS),
      seconds(run.totalS),
      ratio(plainS / run.totalS),
      ratio(plainS / run.processingS),
      seconds(fused.ffmpegS),
      seconds(fused.analysisS),
      ratio(plainS / fused.totalS),
    ];
  });
  const medianOf = (pick: (index: number) => number) => median(results.plain.map((_, index) => pick(index)));
  const plainWallS = (i: number) => results.plain[i]!.wallS;
  // Ratios are taken per run (both sides saw the same load), then their median.
  const medianRatio = medianOf((i) => plainWallS(i) / results.pipeline[i]!.totalS);
  const medianProcessingRatio = medianOf((i) => plainWallS(i) / results.pipeline[i]!.processingS);
  const medianFusedRatio = medianOf((i) => plainWallS(i) / results.fused[i]!.totalS);
  rows.push([
    '**median**',
    seconds(medianOf(plainWallS)),
    seconds(medianOf((i) => results.pipeline[i]!.uploadS)),
    seconds(medianOf((i) => results.pipeline[i]!.completeS)),
    seconds(medianOf((i) => results.pipeline[i]!.processingS)),
    seconds(medianOf((i) => results.pipeline[i]!.totalS)),
    `**${ratio(medianRatio)}**`,
    ratio(medianProcessingRatio),
    seconds(medianOf((i) => results.fused[i]!.ffmpegS)),
    seconds(medianOf((i) => results.fused[i]!.analysisS)),
    ratio(medianFusedRatio),
  ]);
  // The run whose total is the median (the middle one for an odd count) shows where the time goes.
  const byTotal = [...results.pipeline].sort((a, b) => a.totalS - b.totalS);
  const medianRun = byTotal[Math.floor((byTotal.length - 1) / 2)]!;

  return [
    SECTION_HEADING,
    '',
    `Measured ${isoSeconds(date)} with:`,
    '',
    '```sh',
    RUNS === 3 && CLIP.seconds === 60
      ? 'npm run bench:pipeline'
      : `BENCH_RUNS=${RUNS} BENCH_CLIP_SECONDS=${CLIP.seconds} npm run bench:pipeline`,
    '```',
    '',
    '### Machine',
    '',
    ...machine,
    `- Load average when the run ended (1/5/15 min): ${endLoad.map((value) => value.toFixed(2)).join(' / ')}`,
    '',
    '### Method',
    '',
    `- Clip: ${CLIP.seconds} s ${CLIP.width}×${CLIP.height} ${CLIP.fps} fps \`testsrc2\` with the test phrase as AAC, ` +
      `H.264 \`-preset ultrafast\` (${(results.clipBytes / 2 ** 20).toFixed(0)} MiB), generated into a temp dir before timing.`,
    '- **Plain ffmpeg**: exactly `hlsTranscodeArgs` (src/media/transcode.ts: 720p H.264 veryfast CRF 23 + AAC, 6 s ' +
      'HLS segments, poster), run by the same `runMediaTool` the pipeline uses.',
    '- **Pipeline**: a spawned embedded server (`node --import tsx src/main.ts`, what `npm start` runs; temp ' +
      'DATA_DIR, workers in-process) driven over loopback HTTP: `POST /sessions`, the 8 MiB parts PUT ' +
      `${UPLOAD_CONCURRENCY} at a time and confirmed, \`POST …/complete\`, then \`GET /sessions/{id}\` every ` +
      `${SESSION_POLL_MS} ms until \`ready\`. Total = from \`POST /sessions\` to \`ready\`; processing = from the ` +
      "complete call's answer to `ready`. Part MD5s are computed before timing (the phone does it when saving).",
    '- **One pass (prototype, bench only)**: `hlsTranscodeArgs` plus two outputs of the same decode, the ' +
      "analysis' 22,050 Hz mono PCM and 160×160 gray frames on pipes, then `analyzeRecording` on them. " +
      `Its metrics equal \`analyzeMediaFile\`'s: ${results.fusedMatchesPipeline ? 'yes' : 'NO'}.`,
    `- ${RUNS} runs, each (a) plain, (b) pipeline, (c) one pass back to back, so all three see the same load. ` +
      `Throughput ratio = plain ffmpeg's wall time / the other's. Target: ≥ ${TARGET_RATIO}.`,
    '',
    '### Results',
    '',
    markdownTable(
      [
        'Run',
        'Plain ffmpeg (s)',
        'Upload (s)',
        'Complete (s)',
        'Processing (s)',
        'Pipeline total (s)',
        'Ratio (total)',
        'Ratio (processing)',
        'One pass: ffmpeg (s)',
        'One pass: analysis (s)',
        'Ratio (one pass)',
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows,
    ),
    '',
    `Target ≥ ${TARGET_RATIO} of ffmpeg's throughput: **${medianRatio >= TARGET_RATIO ? 'met' : 'missed'}** ` +
      `(median ${ratio(medianRatio)} end to end; ${ratio(medianProcessingRatio)} from complete to ready; ` +
      `the one-pass prototype ${ratio(medianFusedRatio)}).`,
    '',
    `### Where the pipeline's time goes (run with the median total, ${seconds(medianRun.totalS)} s)`,
    '',
    `Seconds after the complete call answered (upload before it: ${seconds(medianRun.uploadS)} s, complete: ` +
      `${seconds(medianRun.completeS)} s).`,
    '',
    timelineTable(medianRun),
    '',
    `The slowest \`GET /sessions/{id}\` (polled every ${SESSION_POLL_MS} ms while the pipeline ran) took ` +
      `${results.pipeline.map((run) => `${(run.slowestPollMs / 1000).toFixed(2)} s`).join(', ')} in the runs: ` +
      'the embedded server answers requests on the event loop the worker uses.',
    '',
    '### CPU time (median of the runs)',
    '',
    cpuTable(results),
    '',
    '### Each stage alone (same clip, one at a time, in the benchmark process)',
    '',
    markdownTable(
      ['Stage', 'Wall (s)', 'CPU, user + system (s)'],
      ['left', 'right', 'right'],
      results.alone.map((cost) => [cost.stage, seconds(cost.seconds), seconds(cost.cpuSeconds)]),
    ),
  ].join('\n');
}

// --- Main -----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const date = new Date();
  const startLoad = os.loadavg();
  const machine = await machineSummary(startLoad);
  const workRoot = await mkdtemp(join(os.tmpdir(), 'rosin-bench-pipeline-'));
  // Ctrl-C or a CI timeout: no server left running, no temp files left behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllStartedServersNow();
      rmSync(workRoot, { recursive: true, force: true, maxRetries: 3 });
      process.exit(130);
    });
  }
  try {
    console.log(`Generating a ${CLIP.seconds} s ${CLIP.width}×${CLIP.height} clip…`);
    const clip = await generatePhraseClip(join(workRoot, 'clip.mp4'), CLIP);
    const clipBytes = (await stat(clip)).size;
    const probed = await probeVideo(clip);
    const digests = await digestFile(clip);

    const serverTmp = join(workRoot, 'server-tmp');
    await mkdir(serverTmp, { recursive: true });
    const port = await freePort();
    const server = startServerScript('src/main.ts', {
      DATA_DIR: join(workRoot, 'data'),
      PORT: String(port),
      LOG_LEVEL: 'info',
      SEED_DEMO_DATA: 'false',
      TMPDIR: serverTmp,
    });
    const baseUrl = await waitForListening(server);
    const student = await registerStudent(baseUrl);

    const results: Results = {
      clipBytes,
      plain: [],
      pipeline: [],
      fused: [],
      alone: [],
      fusedMatchesPipeline: false,
    };
    for (let run = 1; run <= RUNS; run++) {
      const plain = await plainFfmpeg(clip, join(workRoot, 'plain-hls'), probed.durationS);
      console.log(`run ${run}: plain ffmpeg ${seconds(plain.wallS)} s (CPU ${seconds(plain.cpuS)} s)`);
      const pipeline = await pipelineRun(baseUrl, student.accessToken, server.pid, clip, digests);
      console.log(
        `run ${run}: pipeline ${seconds(pipeline.totalS)} s (upload ${seconds(pipeline.uploadS)}, complete ` +
          `${seconds(pipeline.completeS)}, processing ${seconds(pipeline.processingS)})`,
      );
      const fused = await fusedPass(clip, join(workRoot, 'fused-hls'), probed.durationS, CLIP.fps);
      console.log(`run ${run}: one pass ${seconds(fused.totalS)} s (analysis ${seconds(fused.analysisS)} s)`);
      results.plain.push(plain);
      results.pipeline.push(pipeline);
      results.fused.push(fused);
    }
    const stopped = await server.stop();
    if (stopped.code !== 0) throw new Error(`the server did not stop cleanly: ${JSON.stringify(stopped)}`);

    const alone = await stagesAlone(clip, workRoot);
    results.alone = alone.costs;
    results.fusedMatchesPipeline = results.fused.every((fused) =>
      sameMetrics(fused.analysis, alone.analysis),
    );
    for (const cost of alone.costs) {
      console.log(`alone: ${cost.stage}: ${seconds(cost.seconds)} s (CPU ${seconds(cost.cpuSeconds)} s)`);
    }

    const text = section(results, machine, date, os.loadavg());
    console.log(`\n${text}`);
    await writeSection(SECTION_HEADING, text);
    console.log('Written to docs/benchmarks.md');
  } finally {
    await killAllStartedServers();
    await rm(workRoot, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

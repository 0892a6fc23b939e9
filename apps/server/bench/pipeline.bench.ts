/**
 * `npm run bench:pipeline`: a 60 s 1920×1080 clip through the whole media pipeline (upload → HLS + metrics) on
 * the embedded default, beside plain ffmpeg with the same settings, in the same run. Target: the pipeline
 * reaches ≥ 0.9 of ffmpeg's own throughput (ffmpeg's wall time / the pipeline's).
 *
 * Per run, back to back so both see the same machine load:
 * (a) plain ffmpeg: exactly `hlsTranscodeArgs` on the clip (the rendition + poster part of the pipeline's pass);
 * (b) the pipeline: a spawned server (`node --import tsx src/main.ts`, what `npm start` runs) on a temp
 *     DATA_DIR, driven over loopback HTTP like a phone: POST /sessions, PUT the parts, confirm, complete, poll
 *     GET /sessions/{id} until `ready`. The server's ffmpeg/ffprobe children are sampled from /proc meanwhile,
 *     which gives the timeline of the probe and the one ffmpeg pass (`transcodeAndDecode`: rendition, poster,
 *     the analysis' PCM and motion frames from one decode) inside the pipeline.
 * Then, once: each stage alone (download copy, probe, the one pass, the analysis compute in a worker thread).
 *
 * BENCH_RUNS (default 3) and BENCH_CLIP_SECONDS (default 60) tune it. Writes its section of docs/benchmarks.md.
 */
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PracticeSessionDetail } from '@rosin/contracts/sessions';
import { analyzeInThread } from '../src/media/analyze-in-thread';
import { runMediaTool } from '../src/media/ffmpeg';
import { probeVideo } from '../src/media/probe';
import { ANALYSIS_SAMPLE_RATE, hlsTranscodeArgs, transcodeAndDecode } from '../src/media/transcode';
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

// --- Timeline of the server's ffmpeg/ffprobe children -------------------------------------------------------

type ToolStage = 'probe' | 'one pass' | 'other ffmpeg';
const STAGE_ORDER: ToolStage[] = ['probe', 'one pass', 'other ffmpeg'];
const STAGE_LABEL: Record<ToolStage, string> = {
  probe: 'Probe (ffprobe)',
  'one pass': 'One ffmpeg pass: HLS + poster + PCM (pipe:3) + motion frames (pipe:4)',
  'other ffmpeg': 'Any other ffmpeg (not expected)',
};

/**
 * Which pipeline stage a child process is, by its command line (probe.ts; transcode.ts: the rendition's
 * `-hls_segment_filename` and the analysis' `f32le`/`rawvideo` outputs are in the same ffmpeg run).
 */
function classify(args: string[]): ToolStage | undefined {
  const binary = args[0] ?? '';
  if (binary.endsWith('ffprobe')) return 'probe';
  if (!binary.endsWith('ffmpeg')) return undefined;
  return args.includes('-hls_segment_filename') ? 'one pass' : 'other ffmpeg';
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

const sumCpu = (spans: ToolSpan[], stage?: ToolStage) =>
  spans.filter((span) => !stage || span.stage === stage).reduce((sum, span) => sum + span.cpuS, 0);
const sumWall = (spans: ToolSpan[], stage: ToolStage) =>
  spans.filter((span) => span.stage === stage).reduce((sum, span) => sum + span.endS - span.startS, 0);

// --- (a) plain ffmpeg, (b) the pipeline ------------------------------------------------------------------

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
  return { wallS, cpuS: sumCpu(spans) };
}

interface PipelineRun {
  /** POST /sessions, then every part PUT and confirmed. */
  uploadS: number;
  /** POST …/complete: the server assembles the parts into the object. */
  completeS: number;
  /** From the complete call's answer to `ready` (outbox → job → download → probe → one pass → store). */
  processingS: number;
  totalS: number;
  /** Relative to the complete call's answer. */
  spans: ToolSpan[];
  /** CPU time of the server's own (Node) process, all its threads, from the complete call's answer to `ready`. */
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

// --- Each stage alone ----------------------------------------------------------------------------------------

interface StageCost {
  stage: string;
  seconds: number;
  /** This process's CPU time (all threads) plus that of the ffmpeg/ffprobe it ran for the stage. */
  cpuSeconds: number;
}

/** The pipeline's stages (src/media/pipeline.ts) one at a time, called as the pipeline calls them. */
async function stagesAlone(clip: string, workDir: string): Promise<StageCost[]> {
  const costs: StageCost[] = [];
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const ownCpu = process.cpuUsage();
    const children = recordTimeline(process.pid, started);
    const result = await work();
    const wallS = (performance.now() - started) / 1000;
    const own = process.cpuUsage(ownCpu);
    const childCpuS = sumCpu(await children.stop());
    costs.push({ stage, seconds: wallS, cpuSeconds: (own.user + own.system) / 1e6 + childCpuS });
    return result;
  };
  const source = join(workDir, 'alone-source');
  await timed('Download (embedded: copy of the object into the work dir)', () => copyFile(clip, source));
  const probed = await timed('Probe (`probeVideo`: ffprobe)', () => probeVideo(source));
  const hlsOutDir = join(workDir, 'alone-hls');
  const decoded = await timed(
    'One ffmpeg pass (`transcodeAndDecode`: HLS + poster + PCM + motion frames, motion measured here)',
    () => transcodeAndDecode({ source, durationS: probed.durationS, hlsOutDir, motionSourceFps: probed.fps }),
  );
  await timed('Analysis compute (`analyzeRecording` in a worker thread: `analyzeInThread`)', () =>
    analyzeInThread({
      samples: decoded.samples,
      sampleRate: ANALYSIS_SAMPLE_RATE,
      videoStability: decoded.videoStability ?? null,
    }),
  );
  await rm(source, { force: true });
  await rm(hlsOutDir, { recursive: true, force: true });
  return costs;
}

// --- Report ------------------------------------------------------------------------------------------------

const seconds = (value: number) => value.toFixed(1);
const ratio = (value: number) => value.toFixed(2);

interface Results {
  clipBytes: number;
  plain: PlainRun[];
  pipeline: PipelineRun[];
  alone: StageCost[];
  /** 1-min load average when each run started and ended. */
  runLoad: { start: number; end: number }[];
}

function timelineTable(run: PipelineRun): string {
  const body: string[][] = [];
  for (const stage of STAGE_ORDER) {
    for (const span of run.spans.filter((candidate) => candidate.stage === stage)) {
      body.push([
        STAGE_LABEL[stage],
        seconds(span.startS),
        seconds(span.endS),
        seconds(span.endS - span.startS),
      ]);
    }
  }
  const lastTool = Math.max(...run.spans.map((span) => span.endS));
  const firstTool = Math.min(...run.spans.map((span) => span.startS));
  body.unshift(['Outbox → job → download (until ffprobe)', '0.0', seconds(firstTool), seconds(firstTool)]);
  body.push([
    'After ffmpeg: analysis thread ∥ rendition store, then DB → `ready`',
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
  const medianOf = (pick: (run: PipelineRun, index: number) => number) =>
    median(results.pipeline.map((run, index) => pick(run, index)));
  const row = (work: string, wall: (run: PipelineRun, i: number) => number, cpu: typeof wall) => [
    work,
    seconds(medianOf(wall)),
    seconds(medianOf(cpu)),
  ];
  const rows = [
    row(
      'Plain ffmpeg (`hlsTranscodeArgs` alone)',
      (_, i) => results.plain[i]!.wallS,
      (_, i) => results.plain[i]!.cpuS,
    ),
    row(
      'Pipeline: probe ffprobe',
      (run) => sumWall(run.spans, 'probe'),
      (run) => sumCpu(run.spans, 'probe'),
    ),
    row(
      'Pipeline: the one ffmpeg pass',
      (run) => sumWall(run.spans, 'one pass'),
      (run) => sumCpu(run.spans, 'one pass'),
    ),
  ];
  if (results.pipeline.some((run) => run.spans.some((span) => span.stage === 'other ffmpeg'))) {
    rows.push(
      row(
        'Pipeline: other ffmpeg',
        (run) => sumWall(run.spans, 'other ffmpeg'),
        (run) => sumCpu(run.spans, 'other ffmpeg'),
      ),
    );
  }
  rows.push(
    row(
      'Pipeline: the server process itself (motion frames, analysis thread, PGlite, HTTP, copies)',
      (run) => run.processingS,
      (run) => run.serverCpuS,
    ),
    row(
      'Pipeline: all of it, complete → ready',
      (run) => run.processingS,
      (run) => run.serverCpuS + sumCpu(run.spans),
    ),
  );
  return markdownTable(['Work', 'Wall (s)', 'CPU, user + system (s)'], ['left', 'right', 'right'], rows);
}

function section(results: Results, machine: string[], date: Date, endLoad: number[]): string {
  const plainWallS = (i: number) => results.plain[i]!.wallS;
  const passS = (run: PipelineRun) => sumWall(run.spans, 'one pass');
  const rows = results.pipeline.map((run, index) => [
    String(index + 1),
    seconds(plainWallS(index)),
    seconds(run.uploadS),
    seconds(run.completeS),
    seconds(passS(run)),
    seconds(run.processingS),
    seconds(run.totalS),
    ratio(plainWallS(index) / run.totalS),
    ratio(plainWallS(index) / run.processingS),
  ]);
  const medianOf = (pick: (run: PipelineRun, index: number) => number) =>
    median(results.pipeline.map((run, index) => pick(run, index)));
  // Ratios are taken per run (both sides saw the same load), then their median.
  const medianRatio = medianOf((run, i) => plainWallS(i) / run.totalS);
  const medianProcessingRatio = medianOf((run, i) => plainWallS(i) / run.processingS);
  rows.push([
    '**median**',
    seconds(medianOf((_, i) => plainWallS(i))),
    seconds(medianOf((run) => run.uploadS)),
    seconds(medianOf((run) => run.completeS)),
    seconds(medianOf(passS)),
    seconds(medianOf((run) => run.processingS)),
    seconds(medianOf((run) => run.totalS)),
    `**${ratio(medianRatio)}**`,
    ratio(medianProcessingRatio),
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
    `- 1-min load average at the start → end of each run: ` +
      results.runLoad.map((load) => `${load.start.toFixed(2)} → ${load.end.toFixed(2)}`).join(', '),
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
      "complete call's answer to `ready`. Part MD5s are computed before timing (the phone does it when saving). " +
      'Inside, one ffmpeg run (`transcodeAndDecode`) writes the rendition and poster with the same arguments and, ' +
      "from the same decode, the analysis' PCM and motion frames; `analyzeRecording` then runs in a worker thread.",
    `- ${RUNS} run${RUNS === 1 ? '' : 's'}, each (a) plain, (b) pipeline back to back, so both see the same load. ` +
      `Throughput ratio = plain ffmpeg's wall time / the pipeline's, per run. Target: ≥ ${TARGET_RATIO}.`,
    '',
    '### Results',
    '',
    markdownTable(
      [
        'Run',
        'Plain ffmpeg (s)',
        'Upload (s)',
        'Complete (s)',
        'Pipeline ffmpeg pass (s)',
        'Processing (s)',
        'Pipeline total (s)',
        'Ratio (total)',
        'Ratio (processing)',
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows,
    ),
    '',
    `Target ≥ ${TARGET_RATIO} of ffmpeg's throughput: **${medianRatio >= TARGET_RATIO ? 'met' : 'missed'}** ` +
      `(median ${ratio(medianRatio)} end to end; ${ratio(medianProcessingRatio)} from complete to ready).`,
    '',
    `### Where the pipeline's time goes (run with the median total, ${seconds(medianRun.totalS)} s)`,
    '',
    `Seconds after the complete call answered (upload before it: ${seconds(medianRun.uploadS)} s, complete: ` +
      `${seconds(medianRun.completeS)} s).`,
    '',
    timelineTable(medianRun),
    '',
    `The slowest \`GET /sessions/{id}\` (polled every ${SESSION_POLL_MS} ms while the pipeline ran) took ` +
      `${results.pipeline.map((run) => `${(run.slowestPollMs / 1000).toFixed(2)} s`).join(', ')} in the runs ` +
      '(the embedded server answers requests on the event loop the media worker uses).',
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

    const results: Results = { clipBytes, plain: [], pipeline: [], alone: [], runLoad: [] };
    for (let run = 1; run <= RUNS; run++) {
      const runStartLoad = os.loadavg()[0]!;
      const plain = await plainFfmpeg(clip, join(workRoot, 'plain-hls'), probed.durationS);
      console.log(`run ${run}: plain ffmpeg ${seconds(plain.wallS)} s (CPU ${seconds(plain.cpuS)} s)`);
      const pipeline = await pipelineRun(baseUrl, student.accessToken, server.pid, clip, digests);
      console.log(
        `run ${run}: pipeline ${seconds(pipeline.totalS)} s (upload ${seconds(pipeline.uploadS)}, complete ` +
          `${seconds(pipeline.completeS)}, processing ${seconds(pipeline.processingS)}, ffmpeg pass ` +
          `${seconds(sumWall(pipeline.spans, 'one pass'))})`,
      );
      results.runLoad.push({ start: runStartLoad, end: os.loadavg()[0]! });
      results.plain.push(plain);
      results.pipeline.push(pipeline);
    }
    const stopped = await server.stop();
    if (stopped.code !== 0) throw new Error(`the server did not stop cleanly: ${JSON.stringify(stopped)}`);

    results.alone = await stagesAlone(clip, workRoot);
    for (const cost of results.alone) {
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

/**
 * `npm run bench:upload`: upload throughput of a 300 MiB video over loopback into the embedded server, and the
 * server's resident memory meanwhile (it must stay flat: parts stream to disk, assembly streams part by part).
 *
 * A spawned server (`node --import tsx src/main.ts`, what `npm start` runs, so the pid sampled is the server's)
 * on a temp DATA_DIR, real TCP on 127.0.0.1. Per run: POST /sessions declaring a file of random bytes (part MD5s
 * computed streaming before timing, as the phone does when saving), every 8 MiB part PUT over HTTP (fetch,
 * PARALLEL_PARTS at a time) and confirmed, then POST …/complete (the server assembles the object). VmRSS of the
 * server is sampled from /proc every 100 ms before, during and after; VmHWM (the kernel's own peak) catches
 * anything between samples. The assembled object's SHA-256 is checked against the source file.
 *
 * BENCH_UPLOAD_MIB (default 300) and BENCH_RUNS (default 3) tune it. Writes its section of docs/benchmarks.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  completeUpload,
  createSessionWithVideo,
  digestFile,
  registerStudent,
  uploadPartsFromFile,
} from '../test/http-upload';
import {
  freePort,
  killAllStartedServers,
  killAllStartedServersNow,
  peakResidentBytes,
  residentBytes,
  startServerScript,
  waitForListening,
} from '../test/server-process';
import { isoSeconds, machineSummary, markdownTable, median, writeSection } from './report';

const FILE_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PARALLEL_PARTS = 4;
const SAMPLE_MS = 100;
/** Idle samples before each upload (the baseline) and samples after it (does memory come back?). */
const BEFORE_MS = 2_000;
const AFTER_MS = 3_000;
const SECTION_HEADING = '## Upload (npm run bench:upload)';
const MB = 1e6;
const MIB = 2 ** 20;

type Phase = 'before' | 'upload' | 'complete' | 'after';

interface Sample {
  phase: Phase;
  rssBytes: number;
}

/** Samples the server's VmRSS every SAMPLE_MS, labelled with the phase the caller says it is in. */
function sampleMemory(pid: number): { setPhase(phase: Phase): void; stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let phase: Phase = 'before';
  let stopped = false;
  const sampling = (async () => {
    while (!stopped) {
      const rssBytes = await residentBytes(pid);
      if (rssBytes !== undefined) samples.push({ phase, rssBytes });
      await sleep(SAMPLE_MS);
    }
  })();
  return {
    setPhase: (next) => (phase = next),
    async stop() {
      stopped = true;
      await sampling;
      return samples;
    },
  };
}

/** A file of `bytes` random bytes, written 8 MiB at a time. */
async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < bytes;) {
      const chunk = randomBytes(Math.min(8 * MIB, bytes - written));
      await file.write(chunk);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MIB }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
  }
  return hash.digest('hex');
}

/** The assembled objects under DATA_DIR/objects/videos (each upload has a folder of its own). */
async function storedVideos(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'objects', 'videos');
  const found: string[] = [];
  for (const folder of await readdir(root).catch(() => [])) {
    for (const name of await readdir(join(root, folder))) {
      if (name.endsWith('.mp4')) found.push(join(root, folder, name));
    }
  }
  return found;
}

interface RunResult {
  uploadS: number;
  completeS: number;
  baselineBytes: number;
  peakUploadBytes: number;
  peakCompleteBytes: number;
  afterBytes: number;
  /** VmHWM after the run minus VmHWM before it: > 0 means the run set a new lifetime peak. */
  hwmBeforeBytes: number;
  hwmAfterBytes: number;
  samples: number;
  sha256Matches: boolean;
}

async function uploadRun(
  baseUrl: string,
  token: string,
  pid: number,
  dataDir: string,
  source: string,
  digests: Awaited<ReturnType<typeof digestFile>>,
): Promise<RunResult> {
  const before = new Set(await storedVideos(dataDir));
  const hwmBeforeBytes = (await peakResidentBytes(pid)) ?? 0;
  const memory = sampleMemory(pid);
  await sleep(BEFORE_MS);

  memory.setPhase('upload');
  const started = performance.now();
  const { plan } = await createSessionWithVideo(baseUrl, token, digests);
  await uploadPartsFromFile(baseUrl, token, plan, source, PARALLEL_PARTS);
  const uploaded = performance.now();
  memory.setPhase('complete');
  await completeUpload(baseUrl, token, plan);
  const completed = performance.now();
  memory.setPhase('after');
  await sleep(AFTER_MS);
  const samples = await memory.stop();
  const hwmAfterBytes = (await peakResidentBytes(pid)) ?? 0;

  const created = (await storedVideos(dataDir)).filter((path) => !before.has(path));
  if (created.length !== 1) throw new Error(`expected one new object, found ${created.length}`);
  const sha256Matches = (await sha256OfFile(created[0]!)) === digests.sha256;

  const of = (phase: Phase) => samples.filter((sample) => sample.phase === phase).map((s) => s.rssBytes);
  const after = of('after');
  return {
    uploadS: (uploaded - started) / 1000,
    completeS: (completed - uploaded) / 1000,
    baselineBytes: median(of('before')),
    peakUploadBytes: Math.max(...of('upload')),
    peakCompleteBytes: Math.max(0, ...of('complete')),
    afterBytes: after[after.length - 1] ?? Number.NaN,
    hwmBeforeBytes,
    hwmAfterBytes,
    samples: samples.length,
    sha256Matches,
  };
}

const mb = (bytes: number) => (bytes / MIB).toFixed(0);
const rate = (bytes: number, seconds: number) => (bytes / MB / seconds).toFixed(0);

function section(
  results: RunResult[],
  sizeBytes: number,
  partCount: number,
  machine: string[],
  date: Date,
  endLoad: number[],
): string {
  const rows = results.map((run, index) => [
    String(index + 1),
    run.uploadS.toFixed(2),
    rate(sizeBytes, run.uploadS),
    run.completeS.toFixed(2),
    rate(sizeBytes, run.uploadS + run.completeS),
    mb(run.baselineBytes),
    mb(run.peakUploadBytes),
    mb(run.peakCompleteBytes),
    mb(run.afterBytes),
    mb(run.hwmAfterBytes),
    run.sha256Matches ? 'yes' : '**NO**',
  ]);
  const medianOf = (pick: (run: RunResult) => number) => median(results.map(pick));
  rows.push([
    '**median**',
    medianOf((run) => run.uploadS).toFixed(2),
    `**${rate(
      sizeBytes,
      medianOf((run) => run.uploadS),
    )}**`,
    medianOf((run) => run.completeS).toFixed(2),
    rate(
      sizeBytes,
      medianOf((run) => run.uploadS + run.completeS),
    ),
    mb(medianOf((run) => run.baselineBytes)),
    `**${mb(medianOf((run) => run.peakUploadBytes))}**`,
    mb(medianOf((run) => run.peakCompleteBytes)),
    mb(medianOf((run) => run.afterBytes)),
    mb(medianOf((run) => run.hwmAfterBytes)),
    results.every((run) => run.sha256Matches) ? 'yes' : '**NO**',
  ]);
  const growth = Math.max(
    ...results.map((run) => Math.max(run.peakUploadBytes, run.peakCompleteBytes) - run.baselineBytes),
  );
  return [
    SECTION_HEADING,
    '',
    `Measured ${isoSeconds(date)} with:`,
    '',
    '```sh',
    FILE_MIB === 300 && RUNS === 3
      ? 'npm run bench:upload'
      : `BENCH_UPLOAD_MIB=${FILE_MIB} BENCH_RUNS=${RUNS} npm run bench:upload`,
    '```',
    '',
    '### Machine',
    '',
    ...machine,
    `- Load average when the run ended (1/5/15 min): ${endLoad.map((value) => value.toFixed(2)).join(' / ')}`,
    '',
    '### Method',
    '',
    `- A ${FILE_MIB} MiB file of random bytes (${sizeBytes.toLocaleString('en')} bytes, ${partCount} parts of 8 MiB), ` +
      'part MD5s computed streaming before timing.',
    '- The embedded server spawned as `node --import tsx src/main.ts` (what `npm start` runs) on a temp DATA_DIR, ' +
      'listening on 127.0.0.1; the client is this benchmark process on the same machine.',
    `- Upload = \`POST /sessions\` + every part \`PUT\` to its signed local-storage URL with fetch, ${PARALLEL_PARTS} ` +
      'at a time, each confirmed with `PUT /uploads/{id}/parts/{n}`; complete = `POST …/complete` (the server ' +
      'checks and concatenates the parts into the object). MB/s = 10⁶ bytes per second.',
    `- RSS: the server's VmRSS from /proc every ${SAMPLE_MS} ms; baseline = median of ${BEFORE_MS / 1000} s idle ` +
      `before the upload; "after" = the last sample ${AFTER_MS / 1000} s after complete (the media worker is ` +
      "running and rejects the random bytes meanwhile); VmHWM = the kernel's lifetime peak of the process after " +
      'the run (catches anything between samples, including start-up).',
    `- ${RUNS} runs in one server process, one after the other; SHA-256 of each assembled object compared with the source.`,
    '',
    '### Results',
    '',
    markdownTable(
      [
        'Run',
        'Upload (s)',
        'Upload MB/s',
        'Complete (s)',
        'MB/s incl. complete',
        'RSS baseline (MiB)',
        'RSS peak, upload (MiB)',
        'RSS peak, complete (MiB)',
        'RSS after (MiB)',
        'VmHWM (MiB)',
        'SHA-256 equal',
      ],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      rows,
    ),
    '',
    `Largest rise of the sampled RSS over its baseline in any run: ${mb(growth)} MiB for a ${FILE_MIB} MiB upload.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const date = new Date();
  const machine = await machineSummary(os.loadavg());
  const workRoot = await mkdtemp(join(os.tmpdir(), 'rosin-bench-upload-'));
  // Ctrl-C or a CI timeout: no server left running, no temp files left behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllStartedServersNow();
      rmSync(workRoot, { recursive: true, force: true, maxRetries: 3 });
      process.exit(130);
    });
  }
  try {
    const source = join(workRoot, 'video.mp4');
    const sizeBytes = FILE_MIB * MIB;
    console.log(`Writing ${FILE_MIB} MiB of random bytes…`);
    await writeRandomFile(source, sizeBytes);
    const digests = await digestFile(source);

    const dataDir = join(workRoot, 'data');
    const serverTmp = join(workRoot, 'server-tmp');
    await mkdir(serverTmp, { recursive: true });
    const port = await freePort();
    const server = startServerScript('src/main.ts', {
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'info',
      SEED_DEMO_DATA: 'false',
      TMPDIR: serverTmp,
    });
    const baseUrl = await waitForListening(server);
    const student = await registerStudent(baseUrl);

    const results: RunResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const result = await uploadRun(baseUrl, student.accessToken, server.pid, dataDir, source, digests);
      console.log(
        `run ${run}: upload ${result.uploadS.toFixed(2)} s (${rate(sizeBytes, result.uploadS)} MB/s), complete ` +
          `${result.completeS.toFixed(2)} s; RSS baseline ${mb(result.baselineBytes)} MiB, peak ` +
          `${mb(Math.max(result.peakUploadBytes, result.peakCompleteBytes))} MiB, after ${mb(result.afterBytes)} MiB; ` +
          `VmHWM ${mb(result.hwmBeforeBytes)} → ${mb(result.hwmAfterBytes)} MiB; SHA-256 ${result.sha256Matches ? 'equal' : 'DIFFERENT'}`,
      );
      results.push(result);
    }
    const stopped = await server.stop();
    if (stopped.code !== 0) throw new Error(`the server did not stop cleanly: ${JSON.stringify(stopped)}`);
    if (!results.every((result) => result.sha256Matches)) throw new Error('an assembled object differs');

    const text = section(results, sizeBytes, digests.partMd5s.length, machine, date, os.loadavg());
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

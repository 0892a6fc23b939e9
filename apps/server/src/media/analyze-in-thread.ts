import { Worker } from 'node:worker_threads';
import type { RecordingAnalysis, RecordingInput } from '@rosin/analysis/analyze-recording';
import { AnalysisInputError } from '@rosin/analysis/errors';

type ThreadAnswer = { ok: true; analysis: RecordingAnalysis } | { ok: false; name: string; message: string };

/**
 * Threads that finished a recording wait here for the next one. A new thread first loads tsx and the engine
 * and runs the DSP with a cold JIT; a kept one does neither. Idle threads are unref'd, so they never keep the
 * process alive. One is enough: the media queue runs one transcode per process by default.
 */
const idleThreads: Worker[] = [];
const MAX_IDLE_THREADS = 1;

/** Threads waiting for the next recording (for tests and diagnostics). */
export function idleAnalysisThreads(): number {
  return idleThreads.length;
}

function takeThread(): Worker {
  const kept = idleThreads.pop();
  if (kept) {
    kept.ref();
    return kept;
  }
  const worker = new Worker(new URL('./analysis-thread.mjs', import.meta.url));
  // A thread that dies while idle (it should not) must not be handed out again.
  worker.once('exit', () => {
    const index = idleThreads.indexOf(worker);
    if (index >= 0) idleThreads.splice(index, 1);
  });
  return worker;
}

function keepThread(worker: Worker): void {
  if (idleThreads.length >= MAX_IDLE_THREADS) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idleThreads.push(worker);
}

/**
 * `analyzeRecording` in a worker thread (see analysis-thread.ts). The samples are transferred, not copied.
 * Rejects with AnalysisInputError for the engine's input errors (silent recording…); `signal` stops the
 * thread (it is not kept).
 */
export function analyzeInThread(input: RecordingInput, signal?: AbortSignal): Promise<RecordingAnalysis> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const worker = takeThread();
    const stop = () => void worker.terminate();
    const onMessage = (answer: ThreadAnswer) => {
      finish();
      keepThread(worker);
      if (answer.ok) resolve(answer.analysis);
      else if (answer.name === 'AnalysisInputError') reject(new AnalysisInputError(answer.message));
      else reject(new Error(`analysis failed: ${answer.message}`));
    };
    const onError = (error: Error) => {
      finish();
      void worker.terminate();
      reject(error);
    };
    const onExit = (code: number) => {
      finish();
      reject(signal?.aborted ? signal.reason : new Error(`the analysis thread exited (${code})`));
    };
    // The thread outlives this call: take every listener of this call off it when the call ends.
    const finish = () => {
      signal?.removeEventListener('abort', stop);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(input, [input.samples.buffer as ArrayBuffer]);
  });
}

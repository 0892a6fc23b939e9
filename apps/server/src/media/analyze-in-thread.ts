import { Worker } from 'node:worker_threads';
import type { RecordingAnalysis, RecordingInput } from '@rosin/analysis/analyze-recording';
import { AnalysisInputError } from '@rosin/analysis/errors';

type ThreadAnswer = { ok: true; analysis: RecordingAnalysis } | { ok: false; name: string; message: string };

/**
 * `analyzeRecording` in a worker thread (see analysis-thread.ts). The samples are transferred, not copied.
 * Rejects with AnalysisInputError for the engine's input errors (silent recording…); `signal` stops the thread.
 */
export function analyzeInThread(input: RecordingInput, signal?: AbortSignal): Promise<RecordingAnalysis> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const worker = new Worker(new URL('./analysis-thread.mjs', import.meta.url));
    const stop = () => void worker.terminate();
    signal?.addEventListener('abort', stop, { once: true });
    const finish = () => signal?.removeEventListener('abort', stop);
    worker.once('message', (answer: ThreadAnswer) => {
      finish();
      void worker.terminate();
      if (answer.ok) resolve(answer.analysis);
      else if (answer.name === 'AnalysisInputError') reject(new AnalysisInputError(answer.message));
      else reject(new Error(`analysis failed: ${answer.message}`));
    });
    worker.once('error', (error) => {
      finish();
      reject(error);
    });
    worker.once('exit', (code) => {
      finish();
      reject(signal?.aborted ? signal.reason : new Error(`the analysis thread exited (${code})`));
    });
    worker.postMessage(input, [input.samples.buffer as ArrayBuffer]);
  });
}

import { parentPort } from 'node:worker_threads';
import { analyzeRecording, type RecordingInput } from '@rosin/analysis/analyze-recording';

/**
 * The analysis engine off the main thread: its DSP is synchronous (seconds for a long recording) and would
 * otherwise stall the event loop — requests, and the renewal of the job's lock. One answer per message; the
 * thread serves one recording at a time and is kept for the next one (see analyze-in-thread.ts).
 */
parentPort?.on('message', (input: RecordingInput) => {
  try {
    parentPort?.postMessage({ ok: true, analysis: analyzeRecording(input) });
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    parentPort?.postMessage({ ok: false, name: failure.name, message: failure.message });
  }
});

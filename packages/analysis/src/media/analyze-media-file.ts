import { readFile } from 'node:fs/promises';
import type { RecordingAnalysis } from '../analyze-recording';
import { analyzeRecording } from '../analyze-recording';
import type { StabilityResult } from '../bow-stability';
import { AnalysisInputError } from '../errors';
import { parseSensorFile } from '../sensors';
import type { MediaTools } from './decode';
import { decodeAudio, probeMedia, videoMotionFromFile } from './decode';

export interface AnalyzeMediaOptions extends MediaTools {
  /** expo-sensors gyroscope JSON recorded with the media; preferred over video for bowStability. */
  sensorsPath?: string;
}

/**
 * Decode a recording with ffmpeg and analyse it. This is what the CLI and the server's media worker
 * call; everything after decoding is the pure `analyzeRecording`.
 * Throws AnalysisInputError (one-line message) for unreadable, audio-less or silent media and
 * invalid sensor files. With `signal`, aborting kills the running ffmpeg/ffprobe and the call
 * rejects with the signal's reason (checked again before the analysis itself, which is
 * synchronous: ~2 s for 5 minutes of audio).
 */
export async function analyzeMediaFile(
  path: string,
  options: AnalyzeMediaOptions = {},
): Promise<RecordingAnalysis> {
  const info = await probeMedia(path, options);
  if (!info.hasAudio) throw new AnalysisInputError(`${path} has no audio stream`);

  let gyroscope;
  if (options.sensorsPath) {
    let text: string;
    try {
      text = await readFile(options.sensorsPath, 'utf8');
    } catch {
      throw new AnalysisInputError(`cannot read sensor file ${options.sensorsPath}`);
    }
    try {
      gyroscope = parseSensorFile(text);
    } catch (error) {
      throw new AnalysisInputError(`${options.sensorsPath}: ${(error as Error).message}`);
    }
  }

  const audio = await decodeAudio(path, 22050, options);
  if (audio.samples.length === 0) throw new AnalysisInputError(`${path} has no audio samples`);
  // Video motion is only needed when no sensor file gives a better source. Frames are streamed
  // from the decoder into the motion estimate, never held whole.
  let videoStability: StabilityResult | null | undefined;
  if (!gyroscope && info.hasVideo)
    videoStability = await videoMotionFromFile(path, info.videoFps ?? 30, {}, options);

  options.signal?.throwIfAborted();
  return analyzeRecording({
    samples: audio.samples,
    sampleRate: audio.sampleRate,
    gyroscope,
    videoStability,
  });
}

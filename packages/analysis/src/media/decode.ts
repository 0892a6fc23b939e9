import type { StabilityResult, VideoFrames } from '../bow-stability';
import { VideoMotion } from '../bow-stability';
import { AnalysisInputError } from '../errors';
import { lastLine, runBinary } from './run-binary';

export interface MediaTools {
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Aborting kills the running ffmpeg/ffprobe; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DecodedAudio {
  samples: Float32Array;
  sampleRate: number;
}

export interface MediaInfo {
  hasAudio: boolean;
  hasVideo: boolean;
  /** Average frame rate of the first video stream, if any. */
  videoFps: number | null;
}

/** Which streams a file has, via ffprobe. Unreadable files throw an AnalysisInputError. */
export async function probeMedia(path: string, tools: MediaTools = {}): Promise<MediaInfo> {
  const ffprobe = tools.ffprobePath ?? 'ffprobe';
  const { stdout, stderr, code } = await runBinary(
    ffprobe,
    ['-v', 'error', '-show_entries', 'stream=codec_type,avg_frame_rate', '-of', 'json', path],
    { signal: tools.signal },
  );
  if (code !== 0) throw new AnalysisInputError(`cannot read ${path}: ${lastLine(stderr)}`);
  const parsed = JSON.parse(stdout.toString('utf8')) as {
    streams?: { codec_type?: string; avg_frame_rate?: string }[];
  };
  const streams = parsed.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const [num, den] = (video?.avg_frame_rate ?? '0/0').split('/').map(Number);
  const fps = num && den ? num / den : null;
  return {
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    hasVideo: video !== undefined,
    videoFps: fps,
  };
}

/**
 * Decode the first audio stream to mono float PCM at `sampleRate` (22,050 Hz by default: enough for
 * every metric and half the work of 44.1 kHz).
 */
export async function decodeAudio(
  path: string,
  sampleRate = 22050,
  tools: MediaTools = {},
): Promise<DecodedAudio> {
  const ffmpeg = tools.ffmpegPath ?? 'ffmpeg';
  const args = [
    '-v',
    'error',
    '-nostdin',
    '-i',
    path,
    '-vn',
    '-ac',
    '1',
    '-ar',
    String(sampleRate),
    '-f',
    'f32le',
    '-',
  ];
  const { stdout, stderr, code } = await runBinary(ffmpeg, args, { signal: tools.signal });
  if (code !== 0) throw new AnalysisInputError(`cannot decode audio from ${path}: ${lastLine(stderr)}`);
  // Copy into a fresh, aligned buffer: Buffer.concat may return a view at an odd offset.
  const samples = new Float32Array(stdout.length / 4);
  new Uint8Array(samples.buffer).set(stdout.subarray(0, samples.length * 4));
  return { samples, sampleRate };
}

export interface VideoDecodeOptions {
  /** Frames are scaled to fit a width x width square (letterboxed), so rotation does not matter. */
  width?: number;
  /** Upper limit on the frame rate; tremor lives below ~12 Hz so 30 fps is plenty. */
  maxFps?: number;
}

/**
 * Decode the video as small grayscale frames for motion analysis: ffmpeg scales (and honours the
 * phone's rotation flag) long before the frames reach us. Every frame is held in memory (a 1080p
 * 5-minute video is 9,000 frames, ~230 MB); `videoMotionFromFile` streams them instead.
 */
export async function decodeVideoFrames(
  path: string,
  sourceFps: number,
  options: VideoDecodeOptions = {},
  tools: MediaTools = {},
): Promise<VideoFrames> {
  const { size, fps, args } = videoDecodeArgs(path, sourceFps, options);
  const { stdout, stderr, code } = await runBinary(tools.ffmpegPath ?? 'ffmpeg', args, {
    signal: tools.signal,
  });
  if (code !== 0) throw new AnalysisInputError(`cannot decode video from ${path}: ${lastLine(stderr)}`);
  return {
    width: size,
    height: size,
    fps,
    data: new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length),
  };
}

/**
 * Bow stability from the video, with frames streamed from ffmpeg into `VideoMotion` as they are
 * decoded: the same result as `videoStability(await decodeVideoFrames(...))` while holding only a
 * segment of small frames. Null for less than 1 s of video.
 */
export async function videoMotionFromFile(
  path: string,
  sourceFps: number,
  options: VideoDecodeOptions = {},
  tools: MediaTools = {},
): Promise<StabilityResult | null> {
  const { size, fps, args } = videoDecodeArgs(path, sourceFps, options);
  const motion = new VideoMotion(size, size, fps);
  const { stderr, code } = await runBinary(tools.ffmpegPath ?? 'ffmpeg', args, {
    signal: tools.signal,
    onStdout: (chunk) => motion.pushBytes(chunk),
  });
  if (code !== 0) throw new AnalysisInputError(`cannot decode video from ${path}: ${lastLine(stderr)}`);
  return motion.result();
}

/**
 * The frames the video motion measure reads: square gray frames of `size`, at most `fps`, as an ffmpeg filter.
 * Exported so a caller that already decodes the video (the server's one-pass transcode) feeds `VideoMotion`
 * exactly the frames `videoMotionFromFile` would.
 */
export function videoMotionFrameSettings(
  sourceFps: number,
  options: VideoDecodeOptions = {},
): { size: number; fps: number; filter: string } {
  const size = options.width ?? 160;
  const fps = Math.min(options.maxFps ?? 30, sourceFps > 0 ? sourceFps : 30);
  const filter = `fps=${fps},scale=${size}:${size}:force_original_aspect_ratio=decrease:flags=area,pad=${size}:${size}:(ow-iw)/2:(oh-ih)/2,format=gray`;
  return { size, fps, filter };
}

function videoDecodeArgs(
  path: string,
  sourceFps: number,
  options: VideoDecodeOptions,
): { size: number; fps: number; args: string[] } {
  const { size, fps, filter } = videoMotionFrameSettings(sourceFps, options);
  return {
    size,
    fps,
    args: ['-v', 'error', '-nostdin', '-i', path, '-an', '-vf', filter, '-f', 'rawvideo', '-'],
  };
}

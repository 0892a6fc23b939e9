import { runMediaTool } from './ffmpeg';

/** A recording the pipeline refuses, with the reason the student reads. Retrying cannot help. */
export class MediaRejectedError extends Error {
  override name = 'MediaRejectedError';
}

export interface ProbedVideo {
  durationS: number;
  width: number;
  height: number;
  /** Average frame rate of the picture (30 when the file does not say). */
  fps: number;
}

export const MIN_VIDEO_SECONDS = 1;
export const MAX_VIDEO_SECONDS = 10 * 60;

interface FfprobeOutput {
  format?: { duration?: string };
  streams?: {
    codec_type?: string;
    width?: number;
    height?: number;
    duration?: string;
    avg_frame_rate?: string;
  }[];
}

/** Checks that a file is a video with sound of an accepted length (1 s – 10 min), via ffprobe. */
export async function probeVideo(path: string, signal?: AbortSignal): Promise<ProbedVideo> {
  const run = await runMediaTool(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_entries',
      'format=duration:stream=codec_type,width,height,duration,avg_frame_rate',
      '-of',
      'json',
      path,
    ],
    { signal },
  );
  if (run.signal) throw new Error(`ffprobe was stopped (${run.signal})`);
  if (run.code !== 0) throw new MediaRejectedError('This file is not a video we can read.');
  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(run.stdout) as FfprobeOutput;
  } catch {
    throw new MediaRejectedError('This file is not a video we can read.');
  }
  const streams = parsed.streams ?? [];
  const video = streams.find((stream) => stream.codec_type === 'video' && (stream.width ?? 0) > 0);
  if (!video) throw new MediaRejectedError('This file has no video picture.');
  if (!streams.some((stream) => stream.codec_type === 'audio')) {
    throw new MediaRejectedError(
      'This video has no sound, so there is nothing to measure. Record with the microphone on.',
    );
  }
  const durationS = Number(parsed.format?.duration ?? video.duration);
  if (!Number.isFinite(durationS))
    throw new MediaRejectedError('This video has no readable length; it may be damaged.');
  if (durationS < MIN_VIDEO_SECONDS) throw new MediaRejectedError('This video is shorter than 1 second.');
  if (durationS > MAX_VIDEO_SECONDS)
    throw new MediaRejectedError('This video is longer than 10 minutes; trim it and upload again.');
  const [numerator, denominator] = (video.avg_frame_rate ?? '').split('/').map(Number);
  const fps = numerator && denominator ? numerator / denominator : 30;
  return { durationS, width: video.width ?? 0, height: video.height ?? 0, fps };
}

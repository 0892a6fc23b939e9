import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StabilityResult } from '@rosin/analysis/bow-stability';
import { VideoMotion } from '@rosin/analysis/bow-stability';
import { videoMotionFrameSettings } from '@rosin/analysis/media/decode';
import { runMediaTool } from './ffmpeg';
import { MediaRejectedError } from './probe';

export const HLS_SEGMENT_SECONDS = 6;
export const HLS_PLAYLIST_NAME = 'index.m3u8';
export const THUMBNAIL_NAME = 'thumbnail.jpg';
/** What the analysis engine reads: mono PCM at 22,050 Hz (enough for every metric, half the work of 44.1 kHz). */
export const ANALYSIS_SAMPLE_RATE = 22_050;

export interface HlsRendition {
  /** Every file of the rendition in its folder, the playlist last. */
  files: string[];
  playlist: string;
  thumbnail: string;
}

/**
 * ffmpeg arguments for the HLS rendition: H.264 (main, yuv420p) + AAC, the short side scaled to at most 720
 * (portrait phones stay portrait), a key frame every 6 s so segments are ~6 s, VOD playlist; and a poster frame
 * from the same decode (the second output), 1 s in unless the clip is shorter. The pipeline benchmark runs
 * exactly these as "plain ffmpeg with the same settings".
 */
export function hlsTranscodeArgs(source: string, outDir: string, durationS: number): string[] {
  const shortSide720 = "scale='if(gt(iw,ih),-2,min(720,iw))':'if(gt(iw,ih),min(720,ih),-2)':flags=bicubic";
  return [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', source],
    // Output 1: the HLS rendition.
    ...['-map', '0:v:0', '-map', '0:a:0', '-vf', shortSide720],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-crf', '23', '-pix_fmt', 'yuv420p'],
    ...['-force_key_frames', `expr:gte(t,n_forced*${HLS_SEGMENT_SECONDS})`],
    ...['-c:a', 'aac', '-b:a', '128k', '-ac', '2'],
    ...['-f', 'hls', '-hls_time', String(HLS_SEGMENT_SECONDS), '-hls_playlist_type', 'vod'],
    ...['-hls_segment_filename', join(outDir, 'segment-%04d.ts'), join(outDir, HLS_PLAYLIST_NAME)],
    // Output 2: the poster.
    ...['-map', '0:v:0', '-ss', durationS > 2 ? '1' : '0', '-frames:v', '1'],
    ...['-vf', "scale='if(gt(iw,ih),-2,min(360,iw))':'if(gt(iw,ih),min(360,ih),-2)'", '-q:v', '4'],
    join(outDir, THUMBNAIL_NAME),
  ];
}

export interface MediaPassRequest {
  source: string;
  durationS: number;
  /** Write the HLS rendition and poster here; absent when the video already has them (a re-analysis). */
  hlsOutDir?: string;
  /** The source's frame rate, to measure bow motion from the picture; absent when a gyroscope file does it. */
  motionSourceFps?: number;
  signal?: AbortSignal;
}

export interface MediaPassResult {
  rendition: HlsRendition | null;
  /** Mono PCM at ANALYSIS_SAMPLE_RATE. */
  samples: Float32Array;
  /** Bow stability from the picture; undefined when not asked for, null when the video is too short. */
  videoStability?: StabilityResult | null;
}

/**
 * One decode of the upload feeds everything: the HLS rendition and poster (files), the analysis engine's mono
 * PCM (`pipe:3`) and small gray frames for the bow-motion measure (`pipe:4`, consumed frame by frame). Decoding a
 * 1080p video twice cost as much as a third of the transcode; now the pipeline runs at ffmpeg's own pace.
 * A file ffmpeg cannot convert is rejected with a reason for the student.
 */
export async function transcodeAndDecode(request: MediaPassRequest): Promise<MediaPassResult> {
  const args = request.hlsOutDir
    ? hlsTranscodeArgs(request.source, request.hlsOutDir, request.durationS)
    : ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', request.source];
  if (request.hlsOutDir) await mkdir(request.hlsOutDir, { recursive: true });

  const audioChunks: Buffer[] = [];
  const consumers: ((chunk: Buffer) => void)[] = [(chunk) => audioChunks.push(chunk)];
  args.push(
    ...['-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(ANALYSIS_SAMPLE_RATE), '-f', 'f32le', 'pipe:3'],
  );

  let motion: VideoMotion | undefined;
  if (request.motionSourceFps !== undefined) {
    const settings = videoMotionFrameSettings(request.motionSourceFps);
    const measure = new VideoMotion(settings.size, settings.size, settings.fps);
    consumers.push((chunk) => measure.pushBytes(chunk));
    args.push(...['-map', '0:v:0', '-an', '-vf', settings.filter, '-f', 'rawvideo', 'pipe:4']);
    motion = measure;
  }

  const run = await runMediaTool('ffmpeg', args, { signal: request.signal, extraOutputs: consumers });
  if (run.signal) throw new Error(`ffmpeg was stopped (${run.signal})`);
  if (run.code !== 0) {
    throw new MediaRejectedError('This video is damaged or in a format we cannot convert. Record it again.');
  }
  const rendition = request.hlsOutDir ? await listRendition(request.hlsOutDir) : null;
  return { rendition, samples: toFloat32(audioChunks), videoStability: motion?.result() };
}

async function listRendition(outDir: string): Promise<HlsRendition> {
  const names = await readdir(outDir);
  const segments = names.filter((name) => name.endsWith('.ts')).sort();
  if (segments.length === 0 || !names.includes(HLS_PLAYLIST_NAME) || !names.includes(THUMBNAIL_NAME)) {
    throw new MediaRejectedError('This video is damaged or in a format we cannot convert. Record it again.');
  }
  return {
    files: [...segments, THUMBNAIL_NAME, HLS_PLAYLIST_NAME],
    playlist: HLS_PLAYLIST_NAME,
    thumbnail: THUMBNAIL_NAME,
  };
}

/** Little-endian float32 bytes (ffmpeg's f32le) → samples, copied so the array is aligned. */
function toFloat32(chunks: Buffer[]): Float32Array {
  const bytes = Buffer.concat(chunks);
  const samples = new Float32Array(Math.floor(bytes.length / 4));
  new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 4));
  return samples;
}

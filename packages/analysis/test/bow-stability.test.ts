import { describe, expect, it } from 'vitest';
import { analyzeRecording } from '../src/analyze-recording';
import { VideoMotion, gyroscopeStability, videoStability } from '../src/bow-stability';
import { parseSensorFile } from '../src/sensors';
import { makeBowVideo, makeGyroscope } from './support/motion';

describe('bow stability', () => {
  it('decreases strictly as gyroscope jitter grows', () => {
    const scores = [0, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8].map(
      (j) => gyroscopeStability(makeGyroscope(j, 11))!.score,
    );
    console.log(`gyro scores: ${scores.map((s) => s.toFixed(1)).join(' > ')}`);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThan(scores[i - 1]!);
    for (const s of scores) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(100);
    }
  });

  it('decreases strictly as video jitter grows', () => {
    const scores = [0, 0.25, 0.5, 1, 2, 4].map((j) => videoStability(makeBowVideo(j, 12, 4))!.score);
    console.log(`video scores: ${scores.map((s) => s.toFixed(1)).join(' > ')}`);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThan(scores[i - 1]!);
  });

  it('keeps decreasing with jitter on a clip longer than one motion segment (streamed frame by frame)', () => {
    // 42 s at 6 fps: a 20 s segment, then the rest, each with its own moving area and direction.
    const scores = [0, 1, 4].map((jitter) => {
      const video = makeBowVideo(jitter, 13, 42, 6);
      const motion = new VideoMotion(video.width, video.height, video.fps);
      const pixels = video.width * video.height;
      for (let f = 0; f * pixels < video.data.length; f++)
        motion.push(video.data.subarray(f * pixels, (f + 1) * pixels));
      return motion.result()!.score;
    });
    console.log(`video scores, 42 s clips: ${scores.map((s) => s.toFixed(1)).join(' > ')}`);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThan(scores[i - 1]!);
  });

  it('prefers the gyroscope, falls back to video, and is null without either', () => {
    const samples = new Float32Array(22050 * 2).map(
      (_, i) => 0.2 * Math.sin((2 * Math.PI * 220 * i) / 22050),
    );
    const both = analyzeRecording({
      samples,
      sampleRate: 22050,
      gyroscope: makeGyroscope(0.1, 1, 5),
      videoFrames: makeBowVideo(1, 1, 2),
    });
    expect(both.bowStabilitySource).toBe('gyroscope');
    const video = analyzeRecording({ samples, sampleRate: 22050, videoFrames: makeBowVideo(1, 1, 2) });
    expect(video.bowStabilitySource).toBe('video');
    const none = analyzeRecording({ samples, sampleRate: 22050 });
    expect(none.bowStability).toBeNull();
    expect(none.bowStabilitySource).toBeNull();
  });

  it('validates the sensor file', () => {
    expect(parseSensorFile('{"gyroscope":[{"t":0.01,"x":0.02,"y":-0.01,"z":0.71}]}')).toHaveLength(1);
    expect(() => parseSensorFile('not json')).toThrow(/not valid JSON/);
    expect(() => parseSensorFile('{"gyroscope":[{"t":"a","x":0,"y":0,"z":0}]}')).toThrow(/gyroscope\.0\.t/);
    expect(() => parseSensorFile('{}')).toThrow(/invalid sensor file/);
  });
});

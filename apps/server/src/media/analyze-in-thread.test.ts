import { analyzeRecording } from '@rosin/analysis/analyze-recording';
import { AnalysisInputError } from '@rosin/analysis/errors';
import { describe, expect, it } from 'vitest';
import { analyzeInThread, idleAnalysisThreads } from './analyze-in-thread';

const SAMPLE_RATE = 22_050;

/** Bowed-ish notes: a 220 Hz tone with three partials, one note per half second, `seconds` long. */
function notes(seconds: number): Float32Array {
  const samples = new Float32Array(seconds * SAMPLE_RATE);
  for (let i = 0; i < samples.length; i++) {
    const t = i / SAMPLE_RATE;
    const inNote = t % 0.5;
    const envelope = inNote < 0.02 ? inNote / 0.02 : inNote > 0.45 ? 0 : 1;
    const hz = 220 * (1 + 0.25 * (Math.floor(t / 0.5) % 3));
    let v = 0;
    for (let h = 1; h <= 3; h++) v += Math.sin(2 * Math.PI * hz * h * t) / h;
    samples[i] = 0.3 * envelope * v;
  }
  return samples;
}

describe('analyzeInThread', () => {
  it('answers what analyzeRecording answers, and keeps its thread for the next recording', async () => {
    const expected = analyzeRecording({ samples: notes(6), sampleRate: SAMPLE_RATE });
    expect(await analyzeInThread({ samples: notes(6), sampleRate: SAMPLE_RATE })).toEqual(expected);
    expect(idleAnalysisThreads()).toBe(1);
    expect(await analyzeInThread({ samples: notes(6), sampleRate: SAMPLE_RATE })).toEqual(expected);
    expect(idleAnalysisThreads()).toBe(1);
  });

  it("rejects the engine's input errors as AnalysisInputError and the thread serves the next recording", async () => {
    await expect(
      analyzeInThread({ samples: new Float32Array(SAMPLE_RATE * 2), sampleRate: SAMPLE_RATE }),
    ).rejects.toBeInstanceOf(AnalysisInputError);
    expect(idleAnalysisThreads()).toBe(1);
    const result = await analyzeInThread({ samples: notes(3), sampleRate: SAMPLE_RATE });
    expect(result.onsetsS.length).toBeGreaterThan(0);
  });

  it('stops the thread when aborted (it is not kept) and a new one serves the next recording', async () => {
    await analyzeInThread({ samples: notes(2), sampleRate: SAMPLE_RATE }); // a thread is idle now
    const controller = new AbortController();
    const long = analyzeInThread({ samples: notes(120), sampleRate: SAMPLE_RATE }, controller.signal);
    expect(idleAnalysisThreads()).toBe(0); // the idle thread took the job
    setTimeout(() => controller.abort(new Error('lease lost')), 50);
    await expect(long).rejects.toThrow('lease lost');
    expect(idleAnalysisThreads()).toBe(0);
    const result = await analyzeInThread({ samples: notes(3), sampleRate: SAMPLE_RATE });
    expect(result.onsetsS.length).toBeGreaterThan(0);
    expect(idleAnalysisThreads()).toBe(1);
  });
});

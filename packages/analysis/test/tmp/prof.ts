import { analyzeRecording } from '../../src/analyze-recording';
import { makePhrase } from '../support/phrases';
import { renderBowed } from '../support/synth';
const phrase = makePhrase({ articulation: 'detache', tempoBpm: 60, jitterMs: 15, seed: 1, noteCount: 261, lowHz: 196, highHz: 880 });
const x = renderBowed(phrase.notes, { sampleRate: 22050, seed: 1, vibrato: { rateHz: 5.5, widthCents: 50 } }).subarray(0, 300 * 22050);
for (let i = 0; i < 2; i++) {
  const t0 = performance.now();
  const r = analyzeRecording({ samples: x, sampleRate: 22050 });
  console.log(((performance.now() - t0) / 1000).toFixed(2), 's', r.vibratoExtentCents);
}

import type { CoreMetricKey } from '@rosin/contracts/analytics';

/** Plain-language versions of docs/metrics.md, for students and teachers. */
export interface MetricExplanation {
  label: string;
  unit: string;
  digits: number;
  explain: string;
  /** Which way is better, for trend arrows (null: neither, it depends on the music). */
  better: 'higher' | 'lower' | null;
}

export const METRIC_EXPLANATIONS: Record<CoreMetricKey, MetricExplanation> = {
  tempoBpm: {
    label: 'Tempo',
    unit: 'BPM',
    digits: 0,
    explain: 'The beat you played, in beats per minute (the most common note length counts as the beat).',
    better: null,
  },
  tempoVarianceMs: {
    label: 'Steadiness of the pulse',
    unit: 'ms',
    digits: 0,
    explain:
      'How evenly your notes were placed. 10–20 ms is a steady player; 40 ms and above sounds uneven. Lower is steadier.',
    better: 'lower',
  },
  dynamicRangeDb: {
    label: 'Dynamic range',
    unit: 'dB',
    digits: 1,
    explain:
      'How much you varied the loudness between your loud and soft playing. Compare it across sessions recorded the same way.',
    better: 'higher',
  },
  vibratoRateHz: {
    label: 'Vibrato speed',
    unit: 'Hz',
    digits: 1,
    explain: 'How many times per second your vibrato goes up and down. Empty when no vibrato was heard.',
    better: null,
  },
  vibratoExtentCents: {
    label: 'Vibrato width',
    unit: 'cents',
    digits: 0,
    explain: 'How wide your vibrato is, from its lowest to its highest pitch (100 cents = one semitone).',
    better: null,
  },
  bowStability: {
    label: 'Bow stability',
    unit: '/ 100',
    digits: 0,
    explain:
      'How little the bow shakes sideways while it travels (0–100, higher is steadier). Measured from the phone’s gyroscope or from the video.',
    better: 'higher',
  },
};

export function formatMetric(key: CoreMetricKey, value: number | null | undefined): string {
  if (value == null) return '—';
  const { unit, digits } = METRIC_EXPLANATIONS[key];
  return `${value.toFixed(digits)} ${unit}`;
}

import type { SensorFile } from '@rosin/contracts/sessions';
import { Gyroscope } from 'expo-sensors';

/** 100 Hz: bow tremor lives at 2–15 Hz, so this keeps it with room to spare (and far under the 200 Hz cap). */
export const GYROSCOPE_INTERVAL_MS = 10;
const MAX_SAMPLES = 120_000;

export interface GyroscopeRecording {
  stop(): SensorFile | null;
}

/**
 * Records the gyroscope while the camera records: t in seconds from the recording's start, rad/s. Answers
 * null from stop() when the device has no gyroscope or gave no readings.
 */
export async function startGyroscopeRecording(now: () => number = () => performance.now()) {
  const available = await Gyroscope.isAvailableAsync().catch(() => false);
  const samples: SensorFile['gyroscope'] = [];
  if (!available) return { stop: () => null } satisfies GyroscopeRecording;
  Gyroscope.setUpdateInterval(GYROSCOPE_INTERVAL_MS);
  const startedAt = now();
  const subscription = Gyroscope.addListener(({ x, y, z }) => {
    if (samples.length >= MAX_SAMPLES) return;
    const t = Math.round(now() - startedAt) / 1000;
    if (t >= 0 && t <= 3600) samples.push({ t, x, y, z });
  });
  return {
    stop() {
      subscription.remove();
      return samples.length > 0 ? { gyroscope: samples } : null;
    },
  } satisfies GyroscopeRecording;
}

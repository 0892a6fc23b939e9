import { z } from 'zod';
import type { GyroscopeSample } from './bow-stability';

const reading = z.object({
  t: z.number().finite().nonnegative(),
  x: z.number().finite(),
  y: z.number().finite(),
  z: z.number().finite(),
});

/** Sensor file written by the app: expo-sensors Gyroscope readings, t in seconds, rad/s. */
export const sensorFileSchema = z.object({ gyroscope: z.array(reading) });

/**
 * Parse and validate a sensor file's text. Throws an Error with a one-line, human-readable reason
 * (the CLI prints it as is).
 */
export function parseSensorFile(text: string): GyroscopeSample[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('sensor file is not valid JSON');
  }
  const parsed = sensorFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new Error(`invalid sensor file${where}: ${issue?.message ?? 'unknown problem'}`);
  }
  return parsed.data.gyroscope;
}

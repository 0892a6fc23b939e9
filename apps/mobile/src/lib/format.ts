import type { PracticeFocus } from '@rosin/contracts/sessions';

export const FOCUS_LABELS: Record<PracticeFocus, string> = {
  scales: 'Scales',
  etudes: 'Études',
  repertoire: 'Repertoire',
  technique: 'Technique',
  sight_reading: 'Sight-reading',
  other: 'Other',
};

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return date.toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function formatMinutes(startIso: string, endIso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(endIso) - Date.parse(startIso)) / 60_000));
  return minutes < 1 ? '< 1 min' : `${minutes} min`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

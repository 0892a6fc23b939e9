/** A valid practice session body for POST /sessions, with any field overridden. */
export function practiceSessionBody(overrides: Record<string, unknown> = {}) {
  return {
    focus: 'scales',
    startTs: '2026-11-20T17:00:00.000Z',
    endTs: '2026-11-20T17:30:00.000Z',
    selfRating: 4,
    note: 'Three-octave G major, slow bows',
    ...overrides,
  };
}

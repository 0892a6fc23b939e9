/** Web: the API serves this app, so it is the page's own origin (EXPO_PUBLIC_API_URL overrides for dev). */
export function apiBaseUrl(): string {
  return process.env.EXPO_PUBLIC_API_URL || globalThis.location.origin;
}

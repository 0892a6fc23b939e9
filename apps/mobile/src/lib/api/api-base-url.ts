import Constants from 'expo-constants';

/**
 * Native: EXPO_PUBLIC_API_URL when set (`npm run mobile` sets it to the server's LAN address), otherwise the
 * machine that serves the bundle (Expo's host, e.g. 192.168.1.20:8081) on the API's default port.
 */
export function apiBaseUrl(): string {
  const configured = process.env.EXPO_PUBLIC_API_URL;
  if (configured) return configured;
  const hostUri = Constants.expoConfig?.hostUri;
  const host = hostUri ? hostUri.split(':')[0] : 'localhost';
  return `http://${host}:3000`;
}

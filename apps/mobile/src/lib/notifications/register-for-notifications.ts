import * as Device from 'expo-device';
import * as Notifications from 'expo-notifications';
import { Platform } from 'react-native';

/**
 * Asks for permission and returns this device's Expo push token (native only). Delivery comes with a later
 * issue; registering now means the permission prompt appears at a sensible moment (after sign-in).
 */
export async function registerForNotifications(): Promise<string | null> {
  if (Platform.OS === 'web' || !Device.isDevice) return null;
  try {
    const current = await Notifications.getPermissionsAsync();
    const granted = current.granted || (await Notifications.requestPermissionsAsync()).granted;
    if (!granted) return null;
    const token = await Notifications.getExpoPushTokenAsync();
    return token.data;
  } catch (error) {
    // Expo Go without a project id, or no Play Services: not worth bothering the person about.
    console.warn('notifications unavailable', error);
    return null;
  }
}

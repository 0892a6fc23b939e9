/** Web: no push registration (expo-notifications push tokens are native only). */
export async function registerForNotifications(): Promise<string | null> {
  return null;
}

import { DarkTheme, DefaultTheme, Stack, ThemeProvider } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { useState } from 'react';
import { ActivityIndicator, useColorScheme, View } from 'react-native';
import { AppProviders } from '../app-providers';
import { usePalette } from '../design/theme';
import { createDeviceServices } from '../services/create-device-services';
import { createAppStore, useAppSelector } from '../state/store';

export default function RootLayout() {
  const [services] = useState(createDeviceServices);
  const [store] = useState(() => createAppStore(services));
  const scheme = useColorScheme();
  return (
    <AppProviders services={services} store={store}>
      <ThemeProvider value={scheme === 'dark' ? DarkTheme : DefaultTheme}>
        <StatusBar style="auto" />
        <RootNavigator />
      </ThemeProvider>
    </AppProviders>
  );
}

function RootNavigator() {
  const status = useAppSelector((state) => state.session.status);
  const palette = usePalette();
  if (status === 'starting') {
    return (
      <View
        style={{
          flex: 1,
          alignItems: 'center',
          justifyContent: 'center',
          backgroundColor: palette.background,
        }}
      >
        <ActivityIndicator accessibilityLabel="Loading" color={palette.primary} />
      </View>
    );
  }
  const signedIn = status === 'signedIn';
  return (
    <Stack screenOptions={{ headerTintColor: palette.primary }}>
      <Stack.Protected guard={signedIn}>
        <Stack.Screen name="(tabs)" options={{ headerShown: false }} />
        <Stack.Screen name="sessions/[id]" options={{ title: 'Session' }} />
        <Stack.Screen name="students/[id]" options={{ title: 'Student' }} />
      </Stack.Protected>
      <Stack.Protected guard={!signedIn}>
        <Stack.Screen name="sign-in" options={{ headerShown: false }} />
        <Stack.Screen name="create-account" options={{ title: 'Create account' }} />
      </Stack.Protected>
    </Stack>
  );
}

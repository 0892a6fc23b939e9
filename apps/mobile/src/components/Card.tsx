import type { ReactNode } from 'react';
import { StyleSheet, View } from 'react-native';
import { radius, space, usePalette } from '../design/theme';

export function Card({ children }: { children: ReactNode }) {
  const palette = usePalette();
  return (
    <View style={[styles.card, { backgroundColor: palette.surface, borderColor: palette.border }]}>
      {children}
    </View>
  );
}

const styles = StyleSheet.create({
  card: { borderWidth: 1, borderRadius: radius.lg, padding: space.lg, gap: space.sm },
});

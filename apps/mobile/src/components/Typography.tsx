import type { ReactNode } from 'react';
import { StyleSheet, Text } from 'react-native';
import { fontSize, usePalette } from '../design/theme';

export function Heading({ children }: { children: ReactNode }) {
  const palette = usePalette();
  return (
    <Text accessibilityRole="header" style={[styles.heading, { color: palette.text }]}>
      {children}
    </Text>
  );
}

export function Body({ children, muted }: { children: ReactNode; muted?: boolean }) {
  const palette = usePalette();
  return <Text style={[styles.body, { color: muted ? palette.textMuted : palette.text }]}>{children}</Text>;
}

export function ErrorText({ children }: { children: ReactNode }) {
  const palette = usePalette();
  return (
    <Text accessibilityRole="alert" style={[styles.body, { color: palette.danger }]}>
      {children}
    </Text>
  );
}

const styles = StyleSheet.create({
  heading: { fontSize: fontSize.lg, fontWeight: '700' },
  body: { fontSize: fontSize.md, lineHeight: 21 },
});

import { Pressable, StyleSheet, Text } from 'react-native';
import { fontSize, radius, space, usePalette } from '../design/theme';

export function Chip({
  label,
  selected,
  onPress,
}: {
  label: string;
  selected: boolean;
  onPress: () => void;
}) {
  const palette = usePalette();
  return (
    <Pressable
      accessibilityRole="radio"
      accessibilityLabel={label}
      accessibilityState={{ selected, checked: selected }}
      onPress={onPress}
      style={[
        styles.chip,
        {
          backgroundColor: selected ? palette.primary : palette.surface,
          borderColor: selected ? palette.primary : palette.border,
        },
      ]}
    >
      <Text style={[styles.label, { color: selected ? palette.onPrimary : palette.text }]}>{label}</Text>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  chip: {
    minHeight: 36,
    paddingHorizontal: space.md,
    borderRadius: radius.lg,
    borderWidth: 1,
    justifyContent: 'center',
  },
  label: { fontSize: fontSize.sm, fontWeight: '600' },
});

import { StyleSheet, Text, View } from 'react-native';
import { fontSize, radius, space, usePalette } from '../design/theme';
import { statusLabel, type SessionRowStatus } from '../screens/Sessions/session-row-status';

export function StatusBadge({ status }: { status: SessionRowStatus }) {
  const palette = usePalette();
  const color =
    status.kind === 'ready'
      ? palette.success
      : status.kind === 'failed'
        ? palette.danger
        : status.kind === 'queued' || status.kind === 'awaiting_upload'
          ? palette.warning
          : palette.info;
  return (
    <View style={[styles.badge, { borderColor: color }]}>
      <Text style={[styles.text, { color }]} numberOfLines={2}>
        {statusLabel(status)}
      </Text>
    </View>
  );
}

const styles = StyleSheet.create({
  badge: {
    alignSelf: 'flex-start',
    borderWidth: 1,
    borderRadius: radius.sm,
    paddingHorizontal: space.sm,
    paddingVertical: 2,
  },
  text: { fontSize: fontSize.sm, fontWeight: '600' },
});

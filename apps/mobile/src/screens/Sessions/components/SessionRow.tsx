import type { PracticeFocus } from '@rosin/contracts/sessions';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { Button } from '../../../components/Button';
import { StatusBadge } from '../../../components/StatusBadge';
import { fontSize, radius, space, usePalette } from '../../../design/theme';
import { FOCUS_LABELS, formatDateTime, formatMinutes } from '../../../lib/format';
import { statusLabel, type SessionRowStatus } from '../session-row-status';

export interface SessionRowProps {
  focus: PracticeFocus;
  startTs: string;
  endTs: string;
  selfRating: number | null;
  status: SessionRowStatus;
  onOpen?: () => void;
  onRetry?: () => void;
}

export function SessionRow({ focus, startTs, endTs, selfRating, status, onOpen, onRetry }: SessionRowProps) {
  const palette = usePalette();
  const title = `${FOCUS_LABELS[focus]} · ${formatMinutes(startTs, endTs)}`;
  return (
    <View style={[styles.row, { backgroundColor: palette.surface, borderColor: palette.border }]}>
      <Pressable
        accessibilityRole={onOpen ? 'button' : undefined}
        accessibilityLabel={`${title}, ${formatDateTime(startTs)}, ${statusLabel(status)}`}
        disabled={!onOpen}
        onPress={onOpen}
        style={styles.main}
      >
        <Text style={[styles.title, { color: palette.text }]}>{title}</Text>
        <Text style={{ color: palette.textMuted, fontSize: fontSize.sm }}>
          {formatDateTime(startTs)}
          {selfRating ? ` · ${'★'.repeat(selfRating)}` : ''}
        </Text>
        <StatusBadge status={status} />
      </Pressable>
      {status.kind === 'failed' && status.canRetry && onRetry ? (
        <Button label="Retry upload" variant="secondary" onPress={onRetry} />
      ) : null}
    </View>
  );
}

const styles = StyleSheet.create({
  row: { borderWidth: 1, borderRadius: radius.lg, padding: space.md, gap: space.sm },
  main: { gap: space.xs },
  title: { fontSize: fontSize.md, fontWeight: '700' },
});

import { CORE_METRIC_KEYS } from '@rosin/contracts/analytics';
import { useCallback, useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { Card } from '../../components/Card';
import { Screen } from '../../components/Screen';
import { StatusBadge } from '../../components/StatusBadge';
import { Body, ErrorText, Heading } from '../../components/Typography';
import { fontSize, space, usePalette } from '../../design/theme';
import { describeError } from '../../lib/api/api-error';
import { FOCUS_LABELS, formatDateTime, formatMinutes } from '../../lib/format';
import { useSessionQuery } from '../../state/queries/sessions';
import { serverSessionStatus } from '../Sessions/session-row-status';
import { SeriesChart } from './components/SeriesChart';
import { VideoPlayer } from './components/VideoPlayer';
import { formatMetric, METRIC_EXPLANATIONS } from './metric-explanations';

/** One session: the video (HLS), what was measured in plain words, loudness and pitch on the video's clock. */
export function SessionDetailScreen({ id }: { id: string }) {
  const palette = usePalette();
  const query = useSessionQuery(id);
  const [time, setTime] = useState(0);
  const onTime = useCallback((seconds: number) => setTime(seconds), []);
  const session = query.data;

  if (!session) {
    return (
      <Screen title="Session">
        {query.error ? <ErrorText>{describeError(query.error)}</ErrorText> : <Body muted>Loading…</Body>}
      </Screen>
    );
  }

  return (
    <Screen title={`${FOCUS_LABELS[session.focus]} · ${formatMinutes(session.startTs, session.endTs)}`}>
      <Body muted>
        {formatDateTime(session.startTs)}
        {session.selfRating ? ` · ${'★'.repeat(session.selfRating)}` : ''}
      </Body>
      <StatusBadge status={serverSessionStatus(session)} />
      {session.note ? <Body>{session.note}</Body> : null}

      {session.video?.hlsUrl ? <VideoPlayer uri={session.video.hlsUrl} onTime={onTime} /> : null}
      {session.status === 'processing' || session.status === 'awaiting_upload' ? (
        <Body muted>Rosin is listening to your recording; the results appear here in a moment.</Body>
      ) : null}

      {session.series ? (
        <Card>
          <SeriesChart
            title="Loudness"
            unit="dBFS"
            series={session.series.loudnessDb}
            currentTime={time}
            color={palette.chartLine}
          />
          <SeriesChart
            title="Pitch"
            unit="cents from A4"
            series={session.series.pitchCents}
            currentTime={time}
            color={palette.chartLine2}
          />
        </Card>
      ) : null}

      {session.metrics ? (
        <Card>
          <Heading>What Rosin heard</Heading>
          {CORE_METRIC_KEYS.map((key) => (
            <View key={key} style={styles.metric} accessibilityLabel={`${METRIC_EXPLANATIONS[key].label}`}>
              <View style={styles.metricHeader}>
                <Text style={[styles.metricLabel, { color: palette.text }]}>
                  {METRIC_EXPLANATIONS[key].label}
                </Text>
                <Text style={[styles.metricValue, { color: palette.primary }]}>
                  {formatMetric(key, session.metrics?.[key])}
                </Text>
              </View>
              <Text style={{ color: palette.textMuted, fontSize: fontSize.sm }}>
                {METRIC_EXPLANATIONS[key].explain}
              </Text>
            </View>
          ))}
        </Card>
      ) : null}
    </Screen>
  );
}

const styles = StyleSheet.create({
  metric: { gap: 2, paddingVertical: space.xs },
  metricHeader: { flexDirection: 'row', justifyContent: 'space-between', gap: space.sm },
  metricLabel: { fontSize: fontSize.md, fontWeight: '600', flexShrink: 1 },
  metricValue: { fontSize: fontSize.md, fontWeight: '700' },
});

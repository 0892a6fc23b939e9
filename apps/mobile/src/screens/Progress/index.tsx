import type { MetricTrend } from '@rosin/contracts/analytics';
import { useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { BarChart, LineChart } from 'react-native-gifted-charts';
import { Card } from '../../components/Card';
import { Screen } from '../../components/Screen';
import { Body, ErrorText, Heading } from '../../components/Typography';
import { fontSize, space, usePalette } from '../../design/theme';
import { describeError } from '../../lib/api/api-error';
import { useDashboardQuery } from '../../state/queries/analytics';
import { formatMetric, METRIC_EXPLANATIONS } from '../SessionDetail/metric-explanations';

/** Progress: practice minutes per day, the streak, and each metric's trend with its rolling delta. */
export function ProgressScreen({ studentId = null }: { studentId?: string | null }) {
  const palette = usePalette();
  const query = useDashboardQuery(studentId);
  const [width, setWidth] = useState(0);
  const dash = query.data;

  if (!dash) {
    return (
      <Screen title="Progress">
        {query.error ? <ErrorText>{describeError(query.error)}</ErrorText> : <Body muted>Loading…</Body>}
      </Screen>
    );
  }

  const days = dash.practiceMinutesByDay;
  const total = days.reduce((sum, day) => sum + day.minutes, 0);
  const barSpace = Math.max(0, width - 40);
  const barWidth = days.length > 0 ? Math.max(2, (barSpace / days.length) * 0.6) : 4;

  return (
    <Screen title="Progress" onRefresh={() => void query.refetch()} refreshing={query.isRefetching}>
      <View style={styles.stats}>
        <Stat
          label="Streak"
          value={`${dash.streak.currentDays} d`}
          hint={`best ${plural(dash.streak.longestDays, 'day')}`}
        />
        <Stat
          label={`Last ${days.length} days`}
          value={`${total} min`}
          hint={plural(days.filter((d) => d.minutes > 0).length, 'day') + ' practised'}
        />
      </View>
      <Card>
        <Heading>Practice minutes per day</Heading>
        <View
          onLayout={(event) => setWidth(event.nativeEvent.layout.width)}
          accessibilityLabel="Practice minutes chart"
        >
          {width > 0 ? (
            <BarChart
              data={days.map((day, index) => ({
                value: day.minutes,
                ...(index % 7 === 0 ? { label: day.day.slice(8) } : {}),
              }))}
              width={barSpace}
              height={140}
              barWidth={barWidth}
              spacing={(barSpace / Math.max(1, days.length)) * 0.4}
              initialSpacing={2}
              labelWidth={28}
              maxValue={Math.max(20, Math.ceil(Math.max(...days.map((d) => d.minutes)) / 20) * 20)}
              frontColor={palette.primary}
              noOfSections={4}
              yAxisLabelWidth={32}
              yAxisTextStyle={{ color: palette.textMuted, fontSize: 10 }}
              xAxisLabelTextStyle={{ color: palette.textMuted, fontSize: 10, width: 24 }}
              xAxisColor={palette.border}
              yAxisColor={palette.border}
              rulesColor={palette.border}
              disableScroll
              isAnimated={false}
            />
          ) : null}
        </View>
      </Card>
      <Heading>Trends</Heading>
      <Body muted>
        Each number is the average of your last 7 analysed sessions, compared with the 7 before.
      </Body>
      {dash.metrics.map((trend) => (
        <TrendCard key={trend.metricKey} trend={trend} width={width} />
      ))}
    </Screen>
  );
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function Stat({ label, value, hint }: { label: string; value: string; hint: string }) {
  const palette = usePalette();
  return (
    <View style={[styles.stat, { backgroundColor: palette.surface, borderColor: palette.border }]}>
      <Text style={{ color: palette.textMuted, fontSize: fontSize.sm }}>{label}</Text>
      <Text style={{ color: palette.text, fontSize: fontSize.xl, fontWeight: '800' }}>{value}</Text>
      <Text style={{ color: palette.textMuted, fontSize: fontSize.sm }}>{hint}</Text>
    </View>
  );
}

/** "Steadier by 4 ms" rather than "-4": the delta in words, judged by which way is better for the metric. */
export function describeDelta(trend: Pick<MetricTrend, 'metricKey' | 'delta'>): {
  text: string;
  tone: 'good' | 'bad' | 'neutral';
} {
  const explanation = METRIC_EXPLANATIONS[trend.metricKey];
  if (trend.delta == null) return { text: 'Not enough sessions to compare yet', tone: 'neutral' };
  const size = `${Math.abs(trend.delta).toFixed(explanation.digits)} ${explanation.unit}`;
  if (Math.abs(trend.delta) < 10 ** -explanation.digits)
    return { text: 'About the same as before', tone: 'neutral' };
  const direction = trend.delta > 0 ? 'up' : 'down';
  const tone =
    explanation.better === null
      ? 'neutral'
      : (explanation.better === 'higher') === trend.delta > 0
        ? 'good'
        : 'bad';
  return { text: `${direction === 'up' ? '▲' : '▼'} ${size} vs the 7 sessions before`, tone };
}

function TrendCard({ trend, width }: { trend: MetricTrend; width: number }) {
  const palette = usePalette();
  const explanation = METRIC_EXPLANATIONS[trend.metricKey];
  const delta = describeDelta(trend);
  const values = trend.points.map((point) => point.rollingMean7);
  const min = values.length > 0 ? Math.floor(Math.min(...values)) : 0;
  const chartWidth = Math.max(0, width - 16);
  return (
    <Card>
      <View style={styles.trendHeader}>
        <Text style={{ color: palette.text, fontSize: fontSize.md, fontWeight: '700', flexShrink: 1 }}>
          {explanation.label}
        </Text>
        <Text style={{ color: palette.primary, fontSize: fontSize.md, fontWeight: '700' }}>
          {formatMetric(trend.metricKey, trend.latestMean7)}
        </Text>
      </View>
      <Text
        style={{
          color:
            delta.tone === 'good'
              ? palette.success
              : delta.tone === 'bad'
                ? palette.danger
                : palette.textMuted,
          fontSize: fontSize.sm,
        }}
      >
        {delta.text}
      </Text>
      {values.length > 1 && chartWidth > 0 ? (
        <LineChart
          data={values.map((value) => ({ value: value - min }))}
          width={chartWidth}
          height={70}
          spacing={chartWidth / Math.max(1, values.length - 1)}
          initialSpacing={0}
          endSpacing={0}
          hideDataPoints
          hideRules
          hideYAxisText
          yAxisLabelWidth={0}
          color={palette.chartLine}
          xAxisColor={palette.border}
          yAxisColor="transparent"
          disableScroll
          isAnimated={false}
        />
      ) : null}
      <Text style={{ color: palette.textMuted, fontSize: fontSize.sm }}>{explanation.explain}</Text>
    </Card>
  );
}

const styles = StyleSheet.create({
  stats: { flexDirection: 'row', gap: space.md },
  stat: { flex: 1, borderWidth: 1, borderRadius: 16, padding: space.md, gap: 2 },
  trendHeader: { flexDirection: 'row', justifyContent: 'space-between', gap: space.sm },
});

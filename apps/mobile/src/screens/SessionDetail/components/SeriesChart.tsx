import { useMemo, useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { LineChart } from 'react-native-gifted-charts';
import { fontSize, space, usePalette } from '../../../design/theme';

export interface SeriesChartProps {
  title: string;
  unit: string;
  series: { stepS: number; values: (number | null)[] };
  /** Playback position: a marker on the chart at the same time. */
  currentTime: number;
  color: string;
}

const MAX_POINTS = 160;
const Y_AXIS_WIDTH = 44;
const INITIAL_SPACING = 4;
const HEIGHT = 140;

/**
 * A series on the video's time axis: x = seconds from the recording's start (the same clock as the player), so
 * the marker sits where the video is. Long series are averaged down to ~160 points; gaps (silence, no pitch)
 * stay gaps in the data and are bridged by the line.
 */
export function SeriesChart({ title, unit, series, currentTime, color }: SeriesChartProps) {
  const palette = usePalette();
  const [width, setWidth] = useState(0);
  const { points, stepS, min } = useMemo(() => downsample(series), [series]);
  const plotWidth = Math.max(0, width - Y_AXIS_WIDTH - INITIAL_SPACING * 2);
  const spacing = points.length > 1 ? plotWidth / (points.length - 1) : plotWidth;
  const durationS = stepS * Math.max(0, points.length - 1);
  const markerX =
    Y_AXIS_WIDTH + INITIAL_SPACING + (durationS > 0 ? Math.min(1, currentTime / durationS) : 0) * plotWidth;
  const hasData = points.some((point) => point.value !== undefined);

  return (
    <View
      accessibilityLabel={`${title} chart`}
      style={styles.container}
      onLayout={(event) => setWidth(event.nativeEvent.layout.width)}
    >
      <Text style={[styles.title, { color: palette.text }]}>
        {title} <Text style={{ color: palette.textMuted }}>({unit})</Text>
      </Text>
      {width > 0 && hasData ? (
        <View>
          <LineChart
            data={points}
            height={HEIGHT}
            width={plotWidth}
            spacing={spacing}
            initialSpacing={INITIAL_SPACING}
            endSpacing={0}
            yAxisLabelWidth={Y_AXIS_WIDTH}
            color={color}
            thickness={2}
            hideDataPoints
            disableScroll
            interpolateMissingValues
            noOfSections={4}
            formatYLabel={(label: string) => String(Math.round(Number(label) + min))}
            yAxisTextStyle={{ color: palette.textMuted, fontSize: 10 }}
            xAxisColor={palette.border}
            yAxisColor={palette.border}
            rulesColor={palette.border}
            isAnimated={false}
          />
          <View
            pointerEvents="none"
            style={[styles.marker, { left: markerX, height: HEIGHT, backgroundColor: palette.danger }]}
          />
        </View>
      ) : (
        <Text style={{ color: palette.textMuted }}>
          {hasData ? ' ' : 'Nothing to show for this recording.'}
        </Text>
      )}
      <Text style={[styles.axis, { color: palette.textMuted }]}>0:00 — {Math.round(durationS)} s</Text>
    </View>
  );
}

/** Averages blocks of samples (nulls ignored) and shifts values so the chart's floor is 0. */
export function downsample(series: { stepS: number; values: (number | null)[] }) {
  const factor = Math.max(1, Math.ceil(series.values.length / MAX_POINTS));
  const averaged: (number | null)[] = [];
  for (let i = 0; i < series.values.length; i += factor) {
    const block = series.values.slice(i, i + factor).filter((value): value is number => value !== null);
    averaged.push(block.length > 0 ? block.reduce((sum, value) => sum + value, 0) / block.length : null);
  }
  const present = averaged.filter((value): value is number => value !== null);
  const min = present.length > 0 ? Math.floor(Math.min(...present)) : 0;
  return {
    stepS: series.stepS * factor,
    min,
    points: averaged.map((value) => (value === null ? { value: undefined } : { value: value - min })),
  };
}

const styles = StyleSheet.create({
  container: { gap: space.xs },
  title: { fontSize: fontSize.md, fontWeight: '700' },
  marker: { position: 'absolute', top: 10, width: 2, opacity: 0.8 },
  axis: { fontSize: fontSize.sm },
});

import { screen } from '@testing-library/react-native';
import { createTestApp, testStudent } from '../../testing/test-services';
import { describeDelta, ProgressScreen } from '.';

describe('ProgressScreen', () => {
  it('shows the streak, the minutes of the window and each metric’s delta', async () => {
    const days = Array.from({ length: 28 }, (_, index) => ({
      day: `2026-11-${String(index + 1).padStart(2, '0')}`,
      minutes: index % 2 === 0 ? 20 : 0,
      sessions: index % 2 === 0 ? 1 : 0,
    }));
    const app = createTestApp({
      routes: {
        'GET /analytics/dash?days=28': [
          200,
          {
            studentId: testStudent.id,
            from: '2026-11-01',
            to: '2026-11-28',
            practiceMinutesByDay: days,
            sessionsByFocus: {
              scales: 14,
              etudes: 0,
              repertoire: 0,
              technique: 0,
              sight_reading: 0,
              other: 0,
            },
            metrics: [
              {
                metricKey: 'tempoVarianceMs',
                unit: 'ms',
                points: [
                  {
                    sessionId: '00000000-0000-4000-8000-000000000001',
                    ts: '2026-11-01T10:00:00.000Z',
                    value: 30,
                    rollingMean7: 30,
                  },
                  {
                    sessionId: '00000000-0000-4000-8000-000000000002',
                    ts: '2026-11-03T10:00:00.000Z',
                    value: 20,
                    rollingMean7: 25,
                  },
                ],
                latestMean7: 25,
                previousMean7: 31,
                delta: -6,
              },
            ],
            streak: { currentDays: 3, longestDays: 9, restDaysAllowed: 1 },
          },
        ],
      },
    });
    await app.renderApp(<ProgressScreen />);
    expect(await screen.findByText('3 d')).toBeTruthy();
    expect(screen.getByText('best 9 days')).toBeTruthy();
    expect(screen.getByText('280 min')).toBeTruthy();
    expect(screen.getByText('Steadiness of the pulse')).toBeTruthy();
    expect(screen.getByText('▼ 6 ms vs the 7 sessions before')).toBeTruthy();
    app.queryClient.clear();
  });

  it('judges a delta by the direction that is better for the metric', () => {
    expect(describeDelta({ metricKey: 'tempoVarianceMs', delta: -6 }).tone).toBe('good');
    expect(describeDelta({ metricKey: 'bowStability', delta: -6 }).tone).toBe('bad');
    expect(describeDelta({ metricKey: 'tempoBpm', delta: 4 }).tone).toBe('neutral');
    expect(describeDelta({ metricKey: 'tempoBpm', delta: null }).text).toBe(
      'Not enough sessions to compare yet',
    );
  });
});

import { screen } from '@testing-library/react-native';
import { createTestApp, testStudent } from '../../testing/test-services';
import { SessionDetailScreen } from '.';

jest.mock('./components/VideoPlayer', () => ({ VideoPlayer: () => null }));

const ID = '00000000-0000-4000-8000-000000000099';

describe('SessionDetailScreen', () => {
  it('shows the metrics in plain words and the loudness and pitch charts', async () => {
    const app = createTestApp({
      routes: {
        [`GET /sessions/${ID}`]: [
          200,
          {
            id: ID,
            studentId: testStudent.id,
            focus: 'repertoire',
            startTs: '2026-11-01T10:00:00.000Z',
            endTs: '2026-11-01T10:20:00.000Z',
            selfRating: 4,
            note: 'Slow bows',
            tagIds: [],
            hasSensors: true,
            status: 'ready',
            failureReason: null,
            createdAt: '2026-11-01T10:20:00.000Z',
            updatedAt: '2026-11-01T10:21:00.000Z',
            metrics: {
              tempoBpm: 96,
              tempoVarianceMs: 14.2,
              dynamicRangeDb: 12.5,
              vibratoRateHz: 5.6,
              vibratoExtentCents: 38,
              bowStability: 81,
            },
            series: {
              loudnessDb: { stepS: 0.1, values: [-30, -20, null, -18] },
              pitchCents: { stepS: 0.05, values: [0, 2, null, -3, 1] },
            },
            video: {
              hlsUrl: 'http://api.test/media/videos/x/playlist.m3u8?token=t',
              thumbnailUrl: null,
              durationS: 6,
            },
          },
        ],
      },
    });
    await app.renderApp(<SessionDetailScreen id={ID} />);
    expect(await screen.findByText('What Rosin heard')).toBeTruthy();
    expect(screen.getByText('96 BPM')).toBeTruthy();
    expect(screen.getByText('14 ms')).toBeTruthy();
    expect(screen.getByText('81 / 100')).toBeTruthy();
    expect(screen.getByText(/10–20 ms is a steady player/)).toBeTruthy();
    expect(screen.getByLabelText('Loudness chart')).toBeTruthy();
    expect(screen.getByLabelText('Pitch chart')).toBeTruthy();
    expect(screen.getByText('Slow bows')).toBeTruthy();
    app.queryClient.clear();
  });
});

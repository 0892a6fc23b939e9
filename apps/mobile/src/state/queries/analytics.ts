import { Dashboard } from '@rosin/contracts/analytics';
import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../services/services-context';

/** GET /analytics/dash: minutes per day, metric trends with rolling deltas, streak. */
export const analyticsKeys = {
  all: ['analytics'] as const,
  dash: (studentId: string | null, days: number) =>
    [...analyticsKeys.all, 'dash', { studentId, days }] as const,
};

export function useDashboardQuery(studentId: string | null = null, days = 28) {
  const { api } = useServices();
  return useQuery({
    queryKey: analyticsKeys.dash(studentId, days),
    queryFn: ({ signal }) =>
      api.request('GET', `/analytics/dash?days=${days}${studentId ? `&studentId=${studentId}` : ''}`, {
        schema: Dashboard,
        signal,
      }),
  });
}

import { LinkedStudentList } from '@rosin/contracts/teaching';
import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../services/services-context';

/** A teacher's linked students with their 7-day heat-map. */
export const studentKeys = {
  all: ['students'] as const,
  list: () => [...studentKeys.all, 'list'] as const,
};

export function useStudentsQuery() {
  const { api } = useServices();
  return useQuery({
    queryKey: studentKeys.list(),
    queryFn: ({ signal }) => api.request('GET', '/students', { schema: LinkedStudentList, signal }),
  });
}

import { TeacherList } from '@rosin/contracts/teaching';
import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../services/services-context';

/** The teachers a student has joined. */
export const teacherKeys = {
  all: ['teachers'] as const,
  list: () => [...teacherKeys.all, 'list'] as const,
};

export function useTeachersQuery(enabled = true) {
  const { api } = useServices();
  return useQuery({
    queryKey: teacherKeys.list(),
    queryFn: ({ signal }) => api.request('GET', '/teachers', { schema: TeacherList, signal }),
    enabled,
  });
}

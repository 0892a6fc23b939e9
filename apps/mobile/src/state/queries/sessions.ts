import {
  PracticeSessionDetail,
  SessionList,
  type PracticeSession,
  type SessionStatus,
} from '@rosin/contracts/sessions';
import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../services/services-context';

/** Practice sessions on the server. The device's unsent ones are in Redux (outbox slice). */
export const sessionKeys = {
  all: ['sessions'] as const,
  lists: () => [...sessionKeys.all, 'list'] as const,
  list: (studentId: string | null) => [...sessionKeys.lists(), { studentId }] as const,
  detail: (id: string) => [...sessionKeys.all, 'detail', id] as const,
};

const UNFINISHED: SessionStatus[] = ['awaiting_upload', 'processing'];

/** Newest first: own sessions (student) or a linked student's (teacher, with `studentId`). */
export function useSessionsQuery(studentId: string | null = null) {
  const { api } = useServices();
  return useQuery({
    queryKey: sessionKeys.list(studentId),
    queryFn: ({ signal }) =>
      api.request('GET', `/sessions?limit=50${studentId ? `&studentId=${studentId}` : ''}`, {
        schema: SessionList,
        signal,
      }),
    // Keep polling while anything is still on its way to `ready`.
    refetchInterval: (query) =>
      query.state.data?.sessions.some((session: PracticeSession) => UNFINISHED.includes(session.status))
        ? 3_000
        : false,
  });
}

/** One session with metrics, series and video; polls until it is `ready` or `failed`. */
export function useSessionQuery(id: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: sessionKeys.detail(id),
    queryFn: ({ signal }) => api.request('GET', `/sessions/${id}`, { schema: PracticeSessionDetail, signal }),
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status && UNFINISHED.includes(status) ? 2_000 : false;
    },
  });
}

import { useRouter } from 'expo-router';
import { Screen } from '../../components/Screen';
import { Body, ErrorText } from '../../components/Typography';
import { describeError } from '../../lib/api/api-error';
import { useSessionsQuery } from '../../state/queries/sessions';
import { SessionRow } from '../Sessions/components/SessionRow';
import { serverSessionStatus } from '../Sessions/session-row-status';

/** Teacher: one linked student's recent sessions. */
export function StudentSessionsScreen({ studentId, name }: { studentId: string; name: string }) {
  const router = useRouter();
  const query = useSessionsQuery(studentId);
  return (
    <Screen title={name || 'Student'} onRefresh={() => void query.refetch()} refreshing={query.isRefetching}>
      {query.error ? <ErrorText>{describeError(query.error)}</ErrorText> : null}
      {query.data && query.data.sessions.length === 0 ? <Body muted>No sessions yet.</Body> : null}
      {query.data?.sessions.map((session) => (
        <SessionRow
          key={session.id}
          focus={session.focus}
          startTs={session.startTs}
          endTs={session.endTs}
          selfRating={session.selfRating}
          status={serverSessionStatus(session)}
          onOpen={() => router.push(`/sessions/${session.id}`)}
        />
      ))}
    </Screen>
  );
}

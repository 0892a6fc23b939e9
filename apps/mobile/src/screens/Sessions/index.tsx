import { useRouter } from 'expo-router';
import { useMemo } from 'react';
import { Button } from '../../components/Button';
import { Screen } from '../../components/Screen';
import { Body, ErrorText } from '../../components/Typography';
import { describeError } from '../../lib/api/api-error';
import { retryUpload } from '../../state/actions/practice-actions';
import { useSessionsQuery } from '../../state/queries/sessions';
import { useAppDispatch, useAppSelector } from '../../state/store';
import { SessionRow } from './components/SessionRow';
import { localItemStatus, serverSessionStatus, type SessionRowStatus } from './session-row-status';

interface Row {
  id: string;
  focus: Parameters<typeof SessionRow>[0]['focus'];
  startTs: string;
  endTs: string;
  selfRating: number | null;
  status: SessionRowStatus;
  onServer: boolean;
}

/** The student's sessions: this device's unsent ones (from the outbox) and the server's, newest first. */
export function SessionsScreen() {
  const dispatch = useAppDispatch();
  const router = useRouter();
  const userId = useAppSelector((state) => state.session.user?.id);
  const online = useAppSelector((state) => state.outbox.online);
  const local = useAppSelector((state) => state.outbox.items);
  const query = useSessionsQuery();

  const rows = useMemo(() => {
    const byId = new Map<string, Row>();
    for (const session of query.data?.sessions ?? []) {
      byId.set(session.id, { ...session, status: serverSessionStatus(session), onServer: true });
    }
    for (const item of Object.values(local)) {
      if (item.ownerId !== userId || item.phase === 'done') continue;
      byId.set(item.id, {
        id: item.id,
        ...item.draft,
        status: localItemStatus(item, online),
        onServer: byId.has(item.id),
      });
    }
    return [...byId.values()].sort((a, b) => b.startTs.localeCompare(a.startTs));
  }, [query.data, local, online, userId]);

  return (
    <Screen title="Sessions" onRefresh={() => void query.refetch()} refreshing={query.isRefetching}>
      {query.error && rows.length === 0 ? <ErrorText>{describeError(query.error)}</ErrorText> : null}
      {!query.isPending && rows.length === 0 ? (
        <>
          <Body muted>No sessions yet. Record one in Practice.</Body>
          <Button label="New session" onPress={() => router.navigate('/practice')} />
        </>
      ) : null}
      {rows.map((row) => (
        <SessionRow
          key={row.id}
          focus={row.focus}
          startTs={row.startTs}
          endTs={row.endTs}
          selfRating={row.selfRating}
          status={row.status}
          {...(row.onServer ? { onOpen: () => router.push(`/sessions/${row.id}`) } : {})}
          onRetry={() => void dispatch(retryUpload(row.id))}
        />
      ))}
    </Screen>
  );
}

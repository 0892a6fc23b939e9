import type { Role } from '@rosin/contracts/common';
import { useState } from 'react';
import { StyleSheet, View } from 'react-native';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Screen } from '../../components/Screen';
import { TextField } from '../../components/TextField';
import { Body, ErrorText, Heading } from '../../components/Typography';
import { space } from '../../design/theme';
import { describeError } from '../../lib/api/api-error';
import { addRole, signOut, switchRole } from '../../state/actions/auth-actions';
import { useAcceptInvitationMutation } from '../../state/queries/invitations';
import { useTeachersQuery } from '../../state/queries/teachers';
import { useAppDispatch, useAppSelector } from '../../state/store';

const ROLE_NAMES: Record<Role, string> = { student: 'student', teacher: 'teacher', admin: 'admin' };

/** Profile: who you are, the role switcher, your teachers (students join one with a code), sign out. */
export function ProfileScreen() {
  const dispatch = useAppDispatch();
  const user = useAppSelector((state) => state.session.user);
  const pendingUploads = useAppSelector(
    (state) => Object.values(state.outbox.items).filter((item) => item.phase !== 'done').length,
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!user) return null;

  const run = async (key: string, work: () => Promise<unknown>) => {
    setBusy(key);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(null);
    }
  };

  const other: Role = user.activeRole === 'teacher' ? 'student' : 'teacher';
  const holdsOther = user.roles.includes(other);

  return (
    <Screen title="Profile">
      <Card>
        <Heading>{user.displayName}</Heading>
        <Body muted>{user.email}</Body>
        <Body>
          Signed in as a {ROLE_NAMES[user.activeRole]}
          {user.roles.length > 1
            ? ` (also ${user.roles.filter((r) => r !== user.activeRole).join(', ')})`
            : ''}
        </Body>
        {holdsOther ? (
          <Button
            label={`Switch to ${ROLE_NAMES[other]}`}
            variant="secondary"
            busy={busy === 'switch'}
            onPress={() => run('switch', () => dispatch(switchRole(other)))}
          />
        ) : user.activeRole !== 'admin' ? (
          <Button
            label={other === 'teacher' ? 'I also teach' : 'I also practise as a student'}
            variant="secondary"
            busy={busy === 'add'}
            onPress={() => run('add', () => dispatch(addRole(other as 'student' | 'teacher')))}
          />
        ) : null}
      </Card>
      {user.activeRole === 'student' ? <TeachersCard /> : null}
      {pendingUploads > 0 ? (
        <Body muted>
          {pendingUploads} saved session{pendingUploads === 1 ? '' : 's'} still to upload; they stay on this
          device if you sign out and are sent when you sign in again.
        </Body>
      ) : null}
      {error ? <ErrorText>{error}</ErrorText> : null}
      <Button
        label="Sign out"
        variant="danger"
        busy={busy === 'out'}
        onPress={() => run('out', () => dispatch(signOut()))}
      />
    </Screen>
  );
}

function TeachersCard() {
  const teachers = useTeachersQuery();
  const accept = useAcceptInvitationMutation();
  const [code, setCode] = useState('');
  return (
    <Card>
      <Heading>Teachers</Heading>
      {teachers.data && teachers.data.teachers.length === 0 ? (
        <Body muted>You have not joined a teacher yet.</Body>
      ) : null}
      {teachers.data?.teachers.map((teacher) => (
        <Body key={teacher.id}>{teacher.displayName}</Body>
      ))}
      <TextField
        label="Invitation code"
        value={code}
        onChangeText={setCode}
        autoCapitalize="characters"
        placeholder="ABCD-EFGH"
      />
      {accept.error ? <ErrorText>{describeError(accept.error)}</ErrorText> : null}
      {accept.data ? <Body>You joined {accept.data.displayName}.</Body> : null}
      <View style={styles.row}>
        <Button
          label="Join teacher"
          busy={accept.isPending}
          disabled={code.trim().length < 8}
          onPress={() => accept.mutate(code.trim(), { onSuccess: () => setCode('') })}
        />
      </View>
    </Card>
  );
}

const styles = StyleSheet.create({ row: { flexDirection: 'row', gap: space.sm } });

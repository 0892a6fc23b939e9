import type { LinkedStudent } from '@rosin/contracts/teaching';
import { useRouter } from 'expo-router';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Screen } from '../../components/Screen';
import { Body, ErrorText, Heading } from '../../components/Typography';
import { fontSize, radius, space, usePalette } from '../../design/theme';
import { describeError } from '../../lib/api/api-error';
import { formatDateTime } from '../../lib/format';
import { useCreateInvitationMutation } from '../../state/queries/invitations';
import { useStudentsQuery } from '../../state/queries/students';

/** Teacher: linked students with their last-7-days heat-map, and invitation codes to link more. */
export function StudentsScreen() {
  const router = useRouter();
  const query = useStudentsQuery();
  const invite = useCreateInvitationMutation();
  const palette = usePalette();

  return (
    <Screen title="Students" onRefresh={() => void query.refetch()} refreshing={query.isRefetching}>
      <Card>
        <Heading>Invite a student</Heading>
        <Body muted>Create a code and give it to your student; they enter it in their Profile.</Body>
        {invite.data ? (
          <View style={styles.code} accessibilityLabel={`Invitation code ${invite.data.code}`}>
            <Text selectable style={[styles.codeText, { color: palette.primary }]}>
              {invite.data.code}
            </Text>
            <Text style={{ color: palette.textMuted, fontSize: fontSize.sm }}>
              valid until {formatDateTime(invite.data.expiresAt)}
            </Text>
          </View>
        ) : null}
        {invite.error ? <ErrorText>{describeError(invite.error)}</ErrorText> : null}
        <Button label="Create invitation code" onPress={() => invite.mutate({})} busy={invite.isPending} />
      </Card>
      {query.error ? <ErrorText>{describeError(query.error)}</ErrorText> : null}
      {query.data && query.data.students.length === 0 ? <Body muted>No students yet.</Body> : null}
      {query.data?.students.map((student) => (
        <StudentRow
          key={student.id}
          student={student}
          onOpen={() =>
            router.push({ pathname: '/students/[id]', params: { id: student.id, name: student.displayName } })
          }
        />
      ))}
    </Screen>
  );
}

function StudentRow({ student, onOpen }: { student: LinkedStudent; onOpen: () => void }) {
  const palette = usePalette();
  const max = Math.max(30, ...student.practiceMinutesLast7Days);
  const week = student.practiceMinutesLast7Days.reduce((sum, minutes) => sum + minutes, 0);
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`${student.displayName}, ${week} minutes this week`}
      onPress={onOpen}
      style={[styles.row, { backgroundColor: palette.surface, borderColor: palette.border }]}
    >
      <View style={styles.rowText}>
        <Text style={{ color: palette.text, fontSize: fontSize.md, fontWeight: '700' }}>
          {student.displayName}
        </Text>
        <Text style={{ color: palette.textMuted, fontSize: fontSize.sm }}>
          {week} min in 7 days
          {student.lastSessionAt ? ` · last ${formatDateTime(student.lastSessionAt)}` : ''}
        </Text>
      </View>
      <View style={styles.heat} accessibilityLabel="Practice minutes, last 7 days">
        {student.practiceMinutesLast7Days.map((minutes, index) => (
          <View
            key={index}
            style={[
              styles.cell,
              {
                backgroundColor: minutes > 0 ? palette.primary : palette.surfaceMuted,
                opacity: minutes > 0 ? 0.35 + 0.65 * Math.min(1, minutes / max) : 1,
              },
            ]}
          />
        ))}
      </View>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  code: { gap: 2, paddingVertical: space.sm },
  codeText: { fontSize: fontSize.xxl, fontWeight: '800', letterSpacing: 2 },
  row: {
    borderWidth: 1,
    borderRadius: radius.lg,
    padding: space.md,
    flexDirection: 'row',
    alignItems: 'center',
    gap: space.md,
  },
  rowText: { flex: 1, gap: 2 },
  heat: { flexDirection: 'row', gap: 3 },
  cell: { width: 14, height: 14, borderRadius: 3 },
});

import { useLocalSearchParams } from 'expo-router';
import { StudentSessionsScreen } from '../../screens/Students/StudentSessionsScreen';

export default function StudentRoute() {
  const { id, name } = useLocalSearchParams<{ id: string; name?: string }>();
  return <StudentSessionsScreen key={id} studentId={id} name={name ?? ''} />;
}
